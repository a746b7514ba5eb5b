import Foundation
@testable import SwitchboardCore
import SwitchboardTesting
import Testing

/// The renderer for every target, on mutated render fixtures (windows of them) and generated
/// answers, as a fuzz target of its own per target: no part over budget or invalid, no visible
/// text lost or repeated, and a partial render (what an in-place update shows) within budget.
@Suite("Fuzz: renderer", .serialized, .timeLimit(.minutes(5)))
struct RenderFuzzTests {
    static let loader = try! FixtureLoader(filePath: #filePath)

    static let seeds: [[UInt8]] = {
        var generator = SeededGenerator(seed: 424_242)
        let generated = (0..<20).map { _ in Array(RandomInputTests.generate(&generator).utf8) }
        // Windows of the fixtures, at line starts, so that inputs stay a few KB.
        let windows = PartialRendererTests.fixtures.flatMap { text -> [[UInt8]] in
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            return stride(from: 0, to: lines.count, by: 40).map { Array(lines[$0..<min(lines.count, $0 + 60)].joined(separator: "\n").utf8) }
        }
        return generated + windows
    }()

    @Test(arguments: RenderTarget.builtIn)
    func target(_ target: RenderTarget) async {
        let session = FuzzSession(target: "renderer:\(target.name)", regressions: Self.loader.root.appendingPathComponent("fuzz"))
        let findings = await session.run(seeds: Self.seeds) { input in
            let markdown = String(decoding: input, as: UTF8.self)
            let reply = Reply(markdown: markdown, citations: [Citation(title: "文档.pdf", url: "https://kb.example.com/a")], suggestions: ["下一步？"])
            for part in ReplyRenderer.render(reply, for: target) {
                if part.size > target.maxBytes { return "a part of \(part.size) bytes, over the budget of \(target.maxBytes)" }
                if !RenderChecks.isValid(part.text, dialect: target.dialect) { return "a part that is not valid \(target.dialect)" }
            }
            if visibleContent(of: ReplyRenderer.render(markdown: markdown, for: target)) != visibleContent(ofMarkdown: markdown) {
                return "the visible text changed"
            }
            var partial = PartialRenderer(target: target)
            let shown = partial.render(markdown)
            if target.size(of: shown) > target.maxBytes { return "a partial render over the budget" }
            return nil
        }
        #expect(findings.isEmpty, "\(findings.map(\.description).joined(separator: "\n"))")
    }
}
