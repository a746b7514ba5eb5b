import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("switchboard render", .timeLimit(.minutes(5)))
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

    @Test(arguments: [("wecom", "text"), ("wecom", "markdown"), ("wecom", "markdown_v2"), ("dingtalk", "markdown")])
    func printsTheGoldenParts(_ platform: String, _ mode: String) async throws {
        let answer = Self.fixtures.appendingPathComponent("code-longer-than-a-message.md").path
        let run = try await CLIProcess.runAsync(["render", "--platform", platform, "--mode", mode, "--markdown", answer])
        #expect(run.status == 0, "\(run.stderr)")
        let output = try JSONDecoder().decode(Output.self, from: Data(run.stdout.utf8))
        let golden = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("code-longer-than-a-message.expected.json")))
        #expect(output.target == "\(platform).\(mode)")
        #expect(output.parts.map(\.text) == golden["\(platform).\(mode)"])
        #expect(output.parts.allSatisfy { $0.bytes <= output.max_bytes })
    }

    /// WeCom's delivery modes print the request bodies the adapter sends, split like the parts.
    @Test func printsWeComPayloads() async throws {
        let answer = Self.fixtures.appendingPathComponent("code-longer-than-a-message.md").path
        let golden = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("code-longer-than-a-message.expected.json")))
        func payloads(_ mode: String) async throws -> [[String: JSONValue]] {
            let run = try await CLIProcess.runAsync(["render", "--platform", "wecom", "--mode", mode, "--markdown", answer])
            #expect(run.status == 0, "\(run.stderr)")
            let output = try JSONDecoder().decode([String: JSONValue].self, from: Data(run.stdout.utf8))
            guard case .array(let list)? = output["payloads"] else { return [] }
            return list.compactMap { if case .object(let payload) = $0 { payload } else { nil } }
        }
        let app = try await payloads("app")
        #expect(app.count == golden["wecom.markdown"]?.count)
        #expect(app.allSatisfy { $0["to"] == "POST https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=ACCESS_TOKEN" })
        #expect(app.map { $0["body"] } == golden["wecom.markdown"]!.map {
            .object(["touser": "USERID", "msgtype": "markdown", "agentid": .number(1_000_002), "markdown": .object(["content": .string($0)])])
        })
        let robot = try await payloads("robot")
        #expect(robot.map { $0["body"] } == golden["wecom.markdown"]!.map { .object(["msgtype": "markdown", "markdown": .object(["content": .string($0)])]) })
        let aibot = try await payloads("aibot")
        guard case .object(let frame)? = aibot.first?["body"], case .object(let stream)? = frame["stream"] else {
            Issue.record("no stream frame: \(aibot)")
            return
        }
        #expect(frame["msgtype"] == "stream")
        #expect(stream["finish"] == .bool(true))
        #expect(stream["content"]?.string == golden["wecom.stream"]?.first)
    }

    /// Feishu's modes print the Open API requests: the placeholder card, the final PATCH, and the
    /// further cards; post and text replies; a custom bot's body.
    @Test func printsFeishuPayloads() async throws {
        let answer = Self.fixtures.appendingPathComponent("code-longer-than-a-message.md").path
        let golden = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("code-longer-than-a-message.expected.json")))
        func payloads(_ mode: String) async throws -> [[String: JSONValue]] {
            let run = try await CLIProcess.runAsync(["render", "--platform", "feishu", "--mode", mode, "--markdown", answer])
            #expect(run.status == 0, "\(run.stderr)")
            let output = try JSONDecoder().decode([String: JSONValue].self, from: Data(run.stdout.utf8))
            return (output["payloads"]?.array ?? []).compactMap { if case .object(let payload) = $0 { payload } else { nil } }
        }
        func content(_ payload: [String: JSONValue]) throws -> JSONValue {
            try JSONDecoder().decode(JSONValue.self, from: Data((payload["body"]?["content"]?.string ?? "").utf8))
        }
        let cards = golden["feishu.card"]!
        let card = try await payloads("card")
        #expect(card.count == cards.count + 1)
        #expect(card[0]["body"]?["msg_type"] == "interactive")
        #expect(try content(card[0])["elements"]?.array?.first?["content"] == "思考中…")
        #expect(card[1]["to"]?.string?.hasPrefix("PATCH https://open.feishu.cn/open-apis/im/v1/messages/") == true)
        for (index, payload) in card.dropFirst().enumerated() {
            let body = try content(payload)
            #expect(body["config"]?["update_multi"] == .bool(true))
            #expect(body["elements"]?.array?.first?["content"]?.string == cards[index])
        }
        let uuids = card.compactMap { $0["body"]?["uuid"]?.string }
        #expect(Set(uuids).count == uuids.count && uuids.allSatisfy { $0.count == 36 })

        let post = try await payloads("post")
        #expect(post.map { $0["body"]?["msg_type"] } == Array(repeating: "post", count: golden["feishu.post"]!.count))
        #expect(post.map { $0["body"]?["content"]?.string } == golden["feishu.post"]!.map { $0 })
        let text = try await payloads("text")
        #expect(text.allSatisfy { $0["body"]?["msg_type"] == "text" } && !text.isEmpty)
        let webhook = try await payloads("webhook")
        #expect(webhook.first?["body"]?["msg_type"] == "interactive")
        #expect(webhook.first?["body"]?["card"]?["elements"]?.array?.first?["tag"] == "markdown")
    }

    /// DingTalk's ways of sending print their requests: the session webhook (the asker @-mentioned
    /// on the first part), the OpenAPI (msgParam a JSON string) and a custom robot.
    @Test func printsDingTalkPayloads() async throws {
        let answer = Self.fixtures.appendingPathComponent("code-longer-than-a-message.md").path
        let golden = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("code-longer-than-a-message.expected.json")))
        let parts = try #require(golden["dingtalk.markdown"])
        func payloads(_ mode: String) async throws -> [JSONValue] {
            let run = try await CLIProcess.runAsync(["render", "--platform", "dingtalk", "--mode", mode, "--markdown", answer])
            #expect(run.status == 0, "\(run.stderr)")
            return try JSONDecoder().decode(JSONValue.self, from: Data(run.stdout.utf8))["payloads"]?.array ?? []
        }
        let session = try await payloads("session")
        #expect(session.count == parts.count)
        #expect(session.first?["body"]?["markdown"]?["text"]?.string == parts[0] + "\n\n@STAFF_ID")
        #expect(session.first?["body"]?["at"]?["atUserIds"] == ["STAFF_ID"])
        #expect(session.dropFirst().map { $0["body"]?["markdown"]?["text"]?.string } == parts.dropFirst().map { $0 })
        let openAPI = try await payloads("openapi")
        #expect(openAPI.first?["to"]?.string?.hasPrefix("POST https://api.dingtalk.com/v1.0/robot/groupMessages/send") == true)
        let params = try openAPI.map { try JSONDecoder().decode(JSONValue.self, from: Data(($0["body"]?["msgParam"]?.string ?? "").utf8)) }
        #expect(params.map { $0["text"]?.string } == parts.map { $0 })
        #expect(openAPI.allSatisfy { $0["body"]?["msgKey"] == "sampleMarkdown" })
        let robot = try await payloads("robot")
        #expect(robot.map { $0["body"]?["markdown"]?["text"]?.string } == parts.map { $0 })
    }

    @Test func readsCitationsAndStandardInput() async throws {
        let directory = try scratchDirectory()
        try #"[{"title": "员工手册.pdf", "score": 0.9}, {"title": "员工手册.pdf", "score": 0.5}]"#
            .write(to: directory.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        try "**年假** 五天。".write(to: directory.appendingPathComponent("a.md"), atomically: true, encoding: .utf8)
        let run = try await CLIProcess.runAsync(["render", "--platform", "wecom", "--mode", "text", "--markdown", "a.md", "--citations", "c.json", "--suggestion", "怎么申请？"], in: directory)
        let output = try JSONDecoder().decode(Output.self, from: Data(run.stdout.utf8))
        #expect(output.parts.map(\.text) == ["年假 五天。\n\n📚 员工手册.pdf\n\n💡 怎么申请？"])
    }

    @Test func anUnknownPlatformOrModeIsRefused() async throws {
        let bad = try await CLIProcess.runAsync(["render", "--platform", "slack", "--markdown", "-"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--platform must be one of dingtalk, feishu, generic, wecom"))
        let mode = try await CLIProcess.runAsync(["render", "--platform", "feishu", "--mode", "bogus", "--markdown", "-"])
        #expect(mode.status != 0)
        #expect(mode.stderr.contains("--mode for feishu must be one of card, post, text, webhook"), "\(mode.stderr)")
    }
}
