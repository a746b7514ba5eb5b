import Foundation
import SwitchboardCore
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

    /// WeCom's delivery modes print the request bodies the adapter sends, split like the parts.
    @Test func printsWeComPayloads() throws {
        let answer = Self.fixtures.appendingPathComponent("code-longer-than-a-message.md").path
        let golden = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("code-longer-than-a-message.expected.json")))
        func payloads(_ mode: String) throws -> [[String: JSONValue]] {
            let run = try CLIProcess.run(["render", "--platform", "wecom", "--mode", mode, "--markdown", answer])
            #expect(run.status == 0, "\(run.stderr)")
            let output = try JSONDecoder().decode([String: JSONValue].self, from: Data(run.stdout.utf8))
            guard case .array(let list)? = output["payloads"] else { return [] }
            return list.compactMap { if case .object(let payload) = $0 { payload } else { nil } }
        }
        let app = try payloads("app")
        #expect(app.count == golden["wecom.markdown"]?.count)
        #expect(app.allSatisfy { $0["to"] == "POST https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=ACCESS_TOKEN" })
        #expect(app.map { $0["body"] } == golden["wecom.markdown"]!.map {
            .object(["touser": "USERID", "msgtype": "markdown", "agentid": .number(1_000_002), "markdown": .object(["content": .string($0)])])
        })
        let robot = try payloads("robot")
        #expect(robot.map { $0["body"] } == golden["wecom.markdown"]!.map { .object(["msgtype": "markdown", "markdown": .object(["content": .string($0)])]) })
        let aibot = try payloads("aibot")
        guard case .object(let frame)? = aibot.first?["body"], case .object(let stream)? = frame["stream"] else {
            Issue.record("no stream frame: \(aibot)")
            return
        }
        #expect(frame["msgtype"] == "stream")
        #expect(stream["finish"] == .bool(true))
        #expect(stream["content"]?.string == golden["wecom.stream"]?.first)
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
