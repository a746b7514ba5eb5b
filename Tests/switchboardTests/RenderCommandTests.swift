import Foundation
import SwitchboardTesting
import Testing

@Suite("switchboard render")
struct RenderCommandTests {
    static let fixtures = try! FixtureLoader().root.appendingPathComponent("render")

    struct Output: Decodable {
        struct Part: Decodable {
            var text: String
            var bytes: Int
        }

        var target: String
        var dialect: String
        var max_bytes: Int
        var parts: [Part]
    }

    @Test(arguments: [("wecom", "text"), ("wecom", "markdown"), ("feishu", "post"), ("dingtalk", "markdown")])
    func printsTheGoldenParts(_ platform: String, _ mode: String) throws {
        let answer = Self.fixtures.appendingPathComponent("code-longer-than-a-message.md").path
        let run = try CLIProcess.run(["render", "--platform", platform, "--mode", mode, "--markdown", answer])
        #expect(run.status == 0, "\(run.stderr)")
        let output = try JSONDecoder().decode(Output.self, from: Data(run.stdout.utf8))
        let golden = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("code-longer-than-a-message.expected.json")))
        #expect(output.target == "\(platform).\(mode)")
        #expect(output.parts.map(\.text) == golden["\(platform).\(mode)"])
        #expect(output.parts.allSatisfy { $0.bytes <= output.max_bytes })
    }

    @Test func readsCitationsAndStandardInput() throws {
        let directory = try scratchDirectory()
        try #"[{"title": "员工手册.pdf", "score": 0.9}, {"title": "员工手册.pdf", "score": 0.5}]"#
            .write(to: directory.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        try "**年假** 五天。".write(to: directory.appendingPathComponent("a.md"), atomically: true, encoding: .utf8)
        let run = try CLIProcess.run(["render", "--platform", "wecom", "--mode", "text", "--markdown", "a.md", "--citations", "c.json", "--suggestion", "怎么申请？"], in: directory)
        let output = try JSONDecoder().decode(Output.self, from: Data(run.stdout.utf8))
        #expect(output.parts.map(\.text) == ["年假 五天。\n\n📚 员工手册.pdf\n\n💡 怎么申请？"])
    }

    @Test func anUnknownPlatformOrModeIsRefused() throws {
        let bad = try CLIProcess.run(["render", "--platform", "slack", "--markdown", "-"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--platform must be one of wecom, feishu, dingtalk, generic"))
        let mode = try CLIProcess.run(["render", "--platform", "feishu", "--mode", "text", "--markdown", "-"])
        #expect(mode.status != 0)
        #expect(mode.stderr.contains("--mode for feishu must be one of card, post"))
    }
}
