import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// `Fixtures/render/<case>.md` — real-looking LLM answers — rendered for every platform target and
/// compared with `<case>.expected.json` (`{"<target>": ["part", …]}`). `<case>.reply.json` may add
/// `citations`, `suggestions` and `show_thinking`. Run with `SWITCHBOARD_UPDATE_GOLDEN=1` to
/// rewrite the expected files after a deliberate change, then read the diff.
@Suite("Render fixtures", .timeLimit(.minutes(5)))
struct RenderFixtureTests {
    static let directory = try! FixtureLoader().root.appendingPathComponent("render")
    static let cases: [String] = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
        .filter { $0.hasSuffix(".md") }.map { String($0.dropLast(3)) }.sorted() ?? []
    static let targets = RenderTarget.builtIn.filter { $0.name != "generic" }

    struct Extras: Decodable {
        var citations: [Citation]?
        var suggestions: [String]?
        var showThinking: Bool?

        enum CodingKeys: String, CodingKey {
            case citations, suggestions
            case showThinking = "show_thinking"
        }
    }

    static func reply(_ name: String) throws -> (Reply, RenderOptions) {
        let markdown = try String(contentsOf: directory.appendingPathComponent("\(name).md"), encoding: .utf8)
        let extrasURL = directory.appendingPathComponent("\(name).reply.json")
        let extras = FileManager.default.fileExists(atPath: extrasURL.path)
            ? try JSONDecoder().decode(Extras.self, from: Data(contentsOf: extrasURL)) : Extras()
        let reply = Reply(markdown: markdown, citations: extras.citations ?? [], suggestions: extras.suggestions ?? [])
        return (reply, RenderOptions(showThinking: extras.showThinking ?? false))
    }

    @Test func thereAreCases() {
        #expect(Self.cases.count >= 7)
    }

    @Test("every dialect matches its golden output", arguments: cases)
    func golden(_ name: String) throws {
        let (reply, options) = try Self.reply(name)
        var actual: [String: [String]] = [:]
        for target in Self.targets {
            let parts = ReplyRenderer.render(reply, for: target, options: options)
            actual[target.name] = parts.map(\.text)
            for part in parts {
                #expect(part.size <= target.maxBytes, "\(name) \(target): a part of \(part.size) bytes")
                #expect(RenderChecks.isValid(part.text, dialect: target.dialect), "\(name) \(target): a part that is not valid on its own")
            }
        }
        let expectedURL = Self.directory.appendingPathComponent("\(name).expected.json")
        if ProcessInfo.processInfo.environment["SWITCHBOARD_UPDATE_GOLDEN"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try (encoder.encode(actual) + Data("\n".utf8)).write(to: expectedURL)
            return
        }
        let expected = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: expectedURL))
        for target in Self.targets {
            #expect(actual[target.name] == expected[target.name], "\(name) for \(target)")
        }
    }
}

/// What every rendered part must be, whatever the input.
enum RenderChecks {
    /// Code fences open and close in pairs (CommonMark's rules: a backtick fence's info string has
    /// no backtick); a Feishu post is JSON of the documented shape. Plain text has no markup to
    /// break.
    static func isValid(_ text: String, dialect: MarkdownDialect) -> Bool {
        if dialect == .plainText { return true }
        if dialect == .feishuPost {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let body = object["zh_cn"] as? [String: Any], body["content"] is [[Any]]
            else { return false }
            return true
        }
        var open: (Character, Int)?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = withoutListMarkers(line.drop { $0 == " " })
            guard let first = trimmed.first, first == "`" || first == "~" else { continue }
            let run = trimmed.prefix { $0 == first }.count
            guard run >= 3 else { continue }
            if let (character, length) = open {
                if character == first, run >= length, trimmed.dropFirst(run).allSatisfy({ $0 == " " }) { open = nil }
            } else if first == "~" || !trimmed.dropFirst(run).contains("`") {
                open = (first, run)
            }
        }
        return open == nil
    }

    /// A fence may open a list item (`- ```swift`, `1. ````).
    private static func withoutListMarkers(_ line: Substring) -> Substring {
        var line = line
        while true {
            if let first = line.first, "-*+•◦▪".contains(first), line.dropFirst().first == " " {
                line = line.dropFirst(2).drop { $0 == " " }
                continue
            }
            let digits = line.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, let mark = line.dropFirst(digits.count).first, mark == "." || mark == ")", line.dropFirst(digits.count + 1).first == " " {
                line = line.dropFirst(digits.count + 2).drop { $0 == " " }
                continue
            }
            return line
        }
    }
}
