import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardCLI

/// `POST /notify` and `switchboard send` against loopback fakes of each platform's send-only
/// robot, through the real server and the real binary.
@Suite("Notifications", .timeLimit(.minutes(5)))
struct NotifyTests {
    static let token = "notify-token-0123456789"

    /// A fake of the three robot webhooks: WeCom `webhook/send`, Feishu `bot/v2/hook`, DingTalk
    /// `robot/send`; a key `bad-key` gets WeCom's 93000.
    static func robots(_ request: RecordedRequest) -> WebhookResponse {
        let json: String = switch request.path {
        case "/cgi-bin/webhook/send" where request.query?.contains("key=bad-key") == true:
            #"{"errcode":93000,"errmsg":"invalid webhook url, hint: [1718000000_1]"}"#
        case "/cgi-bin/webhook/send": #"{"errcode":0,"errmsg":"ok"}"#
        case "/open-apis/bot/v2/hook/feishu-hook": #"{"code":0,"msg":"success","data":{}}"#
        case "/robot/send": #"{"errcode":0,"errmsg":"ok"}"#
        default: #"{"errcode":404,"errmsg":"not found"}"#
        }
        return WebhookResponse(status: .ok, headers: [.contentType: "application/json"], body: Data(json.utf8))
    }

    static func yaml(_ fake: String) -> String {
        """
        bots:
          wecom-ops: {platform: wecom, mode: robot, webhook_key: good-key, api_base: "\(fake)", message_type: text}
          wecom-broken: {platform: wecom, mode: robot, webhook_key: bad-key, api_base: "\(fake)"}
          feishu-ops: {platform: feishu, mode: webhook, webhook_url: "\(fake)/open-apis/bot/v2/hook/feishu-hook", secret: feishu-hook-secret}
          dingtalk-ops: {platform: dingtalk, mode: robot, webhook_url: "\(fake)/robot/send?access_token=ding-token", secret: SECding0123456789}
        notify: {token: "${NOTIFY_TOKEN}"}
        targets:
          wecom: {bot: wecom-ops}
          broken: {bot: wecom-broken}
          feishu: {bot: feishu-ops}
          dingtalk: {bot: dingtalk-ops, token: dingtalk-own-token-0123}
        """
    }

    static func notify(_ server: RunningSwitchboard, _ path: String, token: String?, body: String) async throws -> (status: Int, body: JSONValue) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let answer = try await server.send(OutboundRequest(method: .post, url: server.url + path, headers: headers, body: Data(body.utf8)))
        return (answer.status, (try? JSONParser.parse(answer.body)) ?? .null)
    }

    @Test("/notify to one target per platform sends the right bodies; a wrong token is 401 and sends nothing; an errcode is a 502 that says it")
    func notify() async throws {
        try await LoopbackServer.withRunning(respond: Self.robots) { fake in
            try await RunningSwitchboard.run(yaml: Self.yaml(fake.url), environment: ["NOTIFY_TOKEN": Self.token], plugins: SwitchboardCLI.builtIns) { server in
                let body = #"{"markdown": "**部署完成** v1.2.3", "mention": ["zhangsan", "13800001111"]}"#

                // Wrong or missing token: 401, nothing sent.
                #expect(try await Self.notify(server, "/notify/wecom", token: "wrong-token-0123456789", body: body).status == 401)
                #expect(try await Self.notify(server, "/notify/wecom", token: nil, body: body).status == 401)
                #expect(try await Self.notify(server, "/notify/dingtalk", token: Self.token, body: body).status == 401)
                #expect(fake.requests.isEmpty)

                let wecom = try await Self.notify(server, "/notify/wecom", token: Self.token, body: body)
                #expect(wecom.status == 200)
                #expect(wecom.body["ok"] == .bool(true))
                let sent = try JSONParser.parse(try #require(fake.requests.last).body)
                #expect(sent["msgtype"] == "text")
                #expect(sent["text"]?["content"] == "部署完成 v1.2.3")
                #expect(sent["text"]?["mentioned_list"] == ["zhangsan"])
                #expect(sent["text"]?["mentioned_mobile_list"] == ["13800001111"])

                // Feishu @-mentions by id only: a phone number is refused before anything is sent.
                let phone = try await Self.notify(server, "/notify/feishu", token: Self.token, body: body)
                #expect(phone.status == 400)
                #expect(phone.body["error"]?.string == "target feishu: Feishu cannot @-mention by phone number; give the person's open_id (ou_…) instead")
                #expect(fake.requests.count == 1)
                let byID = #"{"markdown": "**部署完成** v1.2.3", "mention": ["zhangsan"]}"#
                #expect(try await Self.notify(server, "/notify/feishu", token: Self.token, body: byID).status == 200)
                let feishu = try JSONParser.parse(try #require(fake.requests.last).body)
                #expect(feishu["msg_type"] == "interactive")
                #expect(feishu["card"]?["elements"]?.array?.first?["content"]?.string?.contains("**部署完成** v1.2.3") == true)
                #expect(feishu["card"]?["elements"]?.array?.first?["content"]?.string?.hasPrefix("<at id=zhangsan></at>") == true)
                #expect(feishu["sign"]?.string?.isEmpty == false && feishu["timestamp"]?.string?.isEmpty == false)

                #expect(try await Self.notify(server, "/notify/dingtalk", token: "dingtalk-own-token-0123", body: body).status == 200)
                let ding = try #require(fake.requests.last)
                #expect(ding.query?.contains("access_token=ding-token&timestamp=") == true && ding.query?.contains("&sign=") == true)
                let dingBody = try JSONParser.parse(ding.body)
                #expect(dingBody["msgtype"] == "markdown")
                #expect(dingBody["at"]?["atMobiles"] == ["13800001111"])
                #expect(dingBody["at"]?["atUserIds"] == ["zhangsan"])

                // The platform refuses: 502 with its errcode and what to do, the key never shown.
                let broken = try await Self.notify(server, "/notify/broken", token: Self.token, body: #"{"markdown": "hi"}"#)
                #expect(broken.status == 502)
                let error = try #require(broken.body["error"]?.string)
                #expect(error.contains("errcode 93000") && error.contains("check bots.wecom-broken.webhook_key"))
                #expect(!error.contains("bad-key"))

                // Fan-out: each result reported, 502 because one failed.
                let before = fake.requests.count
                let fan = try await Self.notify(server, "/notify", token: Self.token, body: #"{"markdown": "全员注意", "targets": ["wecom", "feishu", "broken"]}"#)
                #expect(fan.status == 502)
                #expect(fan.body["results"]?.array?.map { $0["ok"] } == [.bool(true), .bool(true), .bool(false)])
                #expect(fake.requests.count == before + 3)

                // Bad requests. Without a valid token nothing says which targets exist.
                let probe = try await Self.notify(server, "/notify/nope", token: "wrong-token-0123456789", body: body)
                #expect(probe.status == 401)
                #expect(try await Self.notify(server, "/notify/nope", token: nil, body: body).status == 401)
                #expect(try await Self.notify(server, "/notify", token: nil, body: #"{"markdown": "x", "targets": ["nope"]}"#).status == 401)
                #expect(try await Self.notify(server, "/notify/nope", token: Self.token, body: body).status == 404)
                #expect(try await Self.notify(server, "/notify/wecom", token: Self.token, body: "not json").status == 400)
                #expect(try await Self.notify(server, "/notify/wecom", token: Self.token, body: #"{"markdown": ""}"#).status == 400)
            }
        }
    }

    @Test("the README recipe's \"mention\": [\"@all\"] @-mentions everyone on every platform, each the way it documents it")
    func mentionEveryone() async throws {
        try await LoopbackServer.withRunning(respond: Self.robots) { fake in
            let yaml = Self.yaml(fake.url) + """

                  wecom-markdown: {bot: wecom-md}
                  wecom-v2: {bot: wecom-v2}
                """
            let bots = """
                bots:
                  wecom-md: {platform: wecom, mode: robot, webhook_key: good-key, api_base: "\(fake.url)"}
                  wecom-v2: {platform: wecom, mode: robot, webhook_key: good-key, api_base: "\(fake.url)", message_type: markdown_v2}
                """
            let config = yaml.replacingOccurrences(of: "bots:\n", with: bots + "\n", options: [], range: nil)
            try await RunningSwitchboard.run(yaml: config, environment: ["NOTIFY_TOKEN": Self.token], plugins: SwitchboardCLI.builtIns) { server in
                func sent(_ target: String, token: String = Self.token, mention: String = #"["@all"]"#) async throws -> [JSONValue] {
                    let before = fake.requests.count
                    let answer = try await Self.notify(server, "/notify/\(target)", token: token, body: #"{"markdown": "**发布完成**", "mention": \#(mention)}"#)
                    #expect(answer.status == 200, "\(target): \(answer.body)")
                    return try fake.requests.dropFirst(before).map { try JSONParser.parse($0.body) }
                }
                // WeCom text: mentioned_list takes "@all".
                let text = try await sent("wecom")
                #expect(text.count == 1 && text[0]["text"]?["mentioned_list"] == ["@all"])
                // WeCom markdown cannot @ everyone: the answer, then a text message that does.
                let markdown = try await sent("wecom-markdown", mention: #"["@all", "zhangsan", "13800001111"]"#)
                #expect(markdown.map { $0["msgtype"] } == ["markdown", "text"])
                #expect(markdown[0]["markdown"]?["content"]?.string?.hasSuffix("<@zhangsan>") == true)
                #expect(markdown[1]["text"]?["mentioned_list"] == ["@all"])
                #expect(markdown[1]["text"]?["mentioned_mobile_list"] == ["13800001111"])
                // markdown_v2 cannot @ at all: every mention goes in the text message after it.
                let v2 = try await sent("wecom-v2", mention: #"["@all", "zhangsan"]"#)
                #expect(v2.map { $0["msgtype"] } == ["markdown_v2", "text"])
                #expect(v2[0]["markdown_v2"]?["content"]?.string?.contains("<@") == false)
                #expect(v2[1]["text"]?["mentioned_list"] == ["zhangsan", "@all"])
                // Feishu: <at id=all></at> in the card.
                let feishu = try await sent("feishu")
                #expect(feishu.first?["card"]?["elements"]?.array?.first?["content"]?.string?.hasPrefix("<at id=all></at> ") == true)
                // DingTalk: isAtAll.
                let ding = try await sent("dingtalk", token: "dingtalk-own-token-0123")
                #expect(ding.first?["at"]?["isAtAll"] == .bool(true))
            }
        }
    }

    @Test("switchboard send posts from a shell and exits non-zero with the platform's error")
    func send() async throws {
        try await LoopbackServer.withRunning(respond: Self.robots) { fake in
            let directory = try scratchDirectory()
            try Self.yaml(fake.url).write(to: directory.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
            let environment = ["NOTIFY_TOKEN": Self.token]
            let ok = try await CLIProcess.runAsync(["send", "--config", "c.yaml", "--target", "wecom", "--markdown", "夜间构建成功"], in: directory, environment: environment)
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(try JSONParser.parse(ok.stdout)["ok"] == .bool(true))
            #expect(try JSONParser.parse(try #require(fake.requests.last).body)["text"]?["content"] == "夜间构建成功")

            try "# 周报\n\n- 完成 A".write(to: directory.appendingPathComponent("m.md"), atomically: true, encoding: .utf8)
            let file = try await CLIProcess.runAsync(["send", "--config", "c.yaml", "--target", "feishu", "--file", "m.md"], in: directory, environment: environment)
            #expect(file.status == 0, "\(file.stderr)")

            let failed = try await CLIProcess.runAsync(["send", "--config", "c.yaml", "--target", "broken", "--markdown", "hi"], in: directory, environment: environment)
            #expect(failed.status != 0)
            #expect(failed.stderr.contains("errcode 93000"))
            let unknown = try await CLIProcess.runAsync(["send", "--config", "c.yaml", "--target", "nope", "--markdown", "hi"], in: directory, environment: environment)
            #expect(unknown.status != 0 && unknown.stderr.contains("targets: wecom, broken, feishu, dingtalk"))
        }
    }

    @Test("targets are checked: a bot that cannot send first, a missing token, an incomplete destination")
    func targetConfigErrors() async throws {
        let directory = try scratchDirectory()
        func check(_ yaml: String) async throws -> CLIProcess.Output {
            try yaml.write(to: directory.appendingPathComponent("t.yaml"), atomically: true, encoding: .utf8)
            return try await CLIProcess.runAsync(["check", "--config", "t.yaml"], in: directory)
        }
        let aibot = try await check("""
            bots: {b: {platform: wecom, mode: aibot, token: t, encoding_aes_key: "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"}}
            notify: {token: notify-token-0123456789}
            targets: {t: {bot: b}}
            """)
        #expect(aibot.status != 0 && aibot.stderr.contains("targets.t.bot: bot b (wecom) cannot send first"), "\(aibot.stderr)")
        let noToken = try await check("""
            bots: {r: {platform: wecom, mode: robot, webhook_key: k}}
            targets: {t: {bot: r}}
            """)
        #expect(noToken.stderr.contains("targets.t.token: is needed to protect POST /notify/t"), "\(noToken.stderr)")
        let noChat = try await check("""
            bots: {f: {platform: feishu, app_id: cli_x, app_secret: s, verification_token: v}}
            notify: {token: notify-token-0123456789}
            targets: {t: {bot: f}}
            """)
        #expect(noChat.stderr.contains("targets.t: a Feishu app bot sends to a chat"), "\(noChat.stderr)")
    }

    @Test("switchboard demo runs to completion and plays every built-in plugin's scenarios")
    func demo() async throws {
        let output = try await CLIProcess.runAsync(["demo"], in: try scratchDirectory())
        #expect(output.status == 0, "\(output.stderr)")
        for scenario in [
            "── 1. WeCom self-built app", "── 2. WeCom AI bot", "── 3. WeCom AI bot long connection", "── 4. Feishu", "… a redelivery",
            "── 5. Feishu long connection", "── 6. DingTalk",
        ] {
            #expect(output.stdout.contains(scenario), "missing \(scenario)")
        }
        #expect(output.stdout.contains("POST /cgi-bin/message/send"))
        #expect(output.stdout.contains("finish=true"))
        #expect(output.stdout.contains("PUT /open-apis/cardkit/v1/cards/7355372766134157313/elements/stream_md/content"))
        #expect(output.stdout.contains("PATCH /open-apis/cardkit/v1/cards/7355372766134157313/settings"))
        #expect(output.stdout.contains("POST /robot/sendBySession"))
        #expect(output.stdout.contains("deduplicated by message_id: acknowledged, nothing sent again"))
        #expect(!output.stdout.contains("demo-app-secret"))
        // The long connections: the sink plays each platform's socket.
        #expect(output.stdout.contains("\"cmd\":\"aibot_subscribe\""))
        #expect(output.stdout.contains("\"cmd\":\"aibot_respond_welcome_msg\""))
        #expect(output.stdout.contains("sent: aibot_respond_msg req_id=demo-req-1 finish=true"))
        #expect(output.stdout.contains("deduplicated by msgid: nothing sent again"))
        #expect(output.stdout.contains("ack frame, sent once the event was stored: seq 1, payload {\"code\": 200}"))
        #expect(output.stdout.components(separatedBy: "deduplicated by message_id: acknowledged, nothing sent again").count == 3, "the webhook's and the socket's redelivery")
        #expect(!output.stdout.contains("demo-ws-app-secret") && !output.stdout.contains("demo-aibot-ws-secret"))
    }

    @Test("switchboard demo --plugin plays one plugin's scenarios, and names the plugins that have one when asked for another")
    func demoOfOnePlugin() async throws {
        let output = try await CLIProcess.runAsync(["demo", "--plugin", "dingtalk"], in: try scratchDirectory())
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("── 1. DingTalk"))
        #expect(!output.stdout.contains("WeCom"))
        let unknown = try await CLIProcess.runAsync(["demo", "--plugin", "openai"], in: try scratchDirectory())
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no scenarios for openai; plugins with a demo: wecom, feishu, dingtalk"), "\(unknown.stderr)")
    }
}
