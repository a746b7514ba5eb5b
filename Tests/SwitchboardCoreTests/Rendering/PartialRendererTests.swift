import Foundation
@testable import SwitchboardCore
import Testing

/// The incremental partial renderer shows exactly what rendering the whole answer so far would,
/// at every step of a growing answer, while it fits a message — and never more than a message.
@Suite("Partial renderer", .timeLimit(.minutes(5)))
struct PartialRendererTests {
    static let targets: [RenderTarget] = [
        .feishuCard, .wecomStream, .wecomMarkdown, .dingtalkMarkdown, .wecomText,
        RenderTarget(name: "small", dialect: .feishuCard, maxBytes: 600, measure: .jsonEscaped(times: 2), rule: "test"),
    ]

    /// Grows `markdown` in steps of `step` characters, comparing at every step. CPU work for
    /// seconds: the thread goes back to the concurrency pool between steps, or these tests hold
    /// both of CI's pool threads and every test beside them waits (a profile of the suite's first
    /// twenty seconds was 96 % this).
    static func compare(_ markdown: String, target: RenderTarget, step: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        var partial = PartialRenderer(target: target)
        var end = markdown.startIndex
        while end < markdown.endIndex {
            end = markdown.index(end, offsetBy: step, limitedBy: markdown.endIndex) ?? markdown.endIndex
            let prefix = String(markdown[..<end])
            let actual = partial.render(prefix)
            let whole = ReplyRenderer.renderPartial(prefix, for: target)
            await Task.yield()
            #expect(target.size(of: actual) <= target.maxBytes, "\(target.name): over budget at \(prefix.utf8.count) bytes", sourceLocation: sourceLocation)
            guard whole.count <= 1 else { continue }
            if actual != (whole.first?.text ?? "") {
                Issue.record(
                    "\(target.name) at \(prefix.utf8.count) bytes:\n--- whole\n\(whole.first?.text ?? "")\n--- incremental\n\(actual)\n--- source\n\(prefix.debugDescription)",
                    sourceLocation: sourceLocation
                )
                return
            }
        }
    }

    static var fixtures: [String] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Fixtures/render").standardized
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".md") }.sorted().compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
    }

    @Test func everyRenderFixtureMatchesAtEveryStep() async {
        let fixtures = Self.fixtures
        #expect(fixtures.count >= 7)
        for markdown in fixtures {
            for target in Self.targets {
                await Self.compare(markdown, target: target, step: markdown.count > 3000 ? 41 : 7)
            }
        }
    }

    @Test(arguments: 0..<4)
    func generatedAnswersMatchAtEveryStep(_ batch: Int) async {
        var generator = SeededGenerator(seed: UInt64(batch) &* 104_729 &+ 17)
        for _ in 0..<150 {
            let markdown = RandomInputTests.generate(&generator)
            await Self.compare(markdown, target: Self.targets.randomElement(using: &generator)!, step: Int.random(in: 1...5, using: &generator))
        }
    }

    @Test func settledTextIsNotRenderedAgain() {
        // Sections separated by blank lines settle one after another: the tail stays small.
        var partial = PartialRenderer(target: .wecomStream)
        var text = ""
        for section in 1...40 {
            text += "## 第\(section)节\n\n内容\(section)。\n\n"
            _ = partial.render(text)
        }
        let final = partial.render(text + "结尾")
        #expect(final.hasPrefix("## 第1节") && final.hasSuffix("结尾"))
        #expect(final == ReplyRenderer.renderPartial(text + "结尾", for: .wecomStream).first?.text)
    }

    @Test func anAnswerIsRenderedOnlyWhenTheThrottleLetsAnUpdateThrough() async throws {
        let deltas = (0..<5000).map { ReplyChunk.delta(String(repeating: "字", count: 1 + $0 % 2)) } + [.end]
        var partial = PartialRenderer(target: .feishuCard)
        var updates = 0
        // Nothing but the first update can pass within an hour.
        let answer = try await ReplyStream(chunks: deltas).collect(showingPartialsWith: &partial, throttle: StreamThrottle(minimumInterval: .seconds(3600))) { _ in
            updates += 1
        }
        #expect(answer.markdown.count == 7500)
        #expect(updates == 1)
        #expect(partial.renders == 1)
    }

    @Test func aReplacedAnswerStartsOver() {
        var partial = PartialRenderer(target: .feishuCard)
        _ = partial.render("第一版\n\n第二段")
        partial.reset()
        #expect(partial.render("改写后的回答") == "改写后的回答")
    }
}
