import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTelegram
import SwitchboardTesting
import Testing

/// The real Switchboard server with the Telegram plugin, and a fake Bot API on loopback.
@Suite("Telegram end to end")
struct TelegramEndToEndTests {
    static let secret = "fixture-telegram-secret"

    static func yaml(_ api: String, delayMilliseconds: Int = 60) -> String {
        """
        backends: {echo: {type: echo, delay_ms: \(delayMilliseconds)}}
        bots:
          telegram-main: {platform: telegram, bot_token: "\(FakeBotAPI.token)", secret_token: \(secret), bot_username: switchboard_fixture_bot, api_base: "\(api)", update_interval: 300ms}
        engine: {poll_interval: 50ms}
        """
    }

    /// A supergroup message that @-mentions the bot (offset after an emoji: UTF-16 units).
    static func update(_ id: Int, text: String, secret: String = secret) -> (body: Data, headers: HTTPFields) {
        let mention = "@switchboard_fixture_bot"
        let prefix = "👋 "
        let update: JSONValue = [
            "update_id": .number(Double(id)),
            "message": [
                "message_id": .number(Double(4000 + id % 1000)), "from": ["id": 5_120_033_417, "is_bot": false, "first_name": "张三"],
                "chat": ["id": -4_012_345_678, "title": "运维群", "type": "group"], "date": .number(Date().timeIntervalSince1970.rounded()),
                "text": .string("\(prefix)\(mention) \(text)"),
                "entities": [["offset": .number(Double(prefix.utf16.count)), "length": .number(Double(mention.utf16.count)), "type": "mention"]],
            ],
        ]
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] = secret
        return (JSONWriter.data(update), headers)
    }

    func post(_ server: RunningSwitchboard, _ update: (body: Data, headers: HTTPFields)) async throws -> Int {
        try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/telegram-main", headers: update.headers, body: update.body)).status
    }

    @Test("an @-mention is acked at once, answered with a placeholder edited in place into the whole MarkdownV2 answer; a redelivery is not answered again")
    func streamedAnswer() async throws {
        let api = FakeBotAPI()
        try await LoopbackServer.withRunning(respond: api.respond) { loopback in
            try await RunningSwitchboard.run(yaml: Self.yaml(loopback.url), plugins: [.telegram]) { server in
                let text = "版本 2.0 的发布说明（第一部分）：修复了 a_b 模块的崩溃问题，并且改进了 `retry()` 的退避策略。"
                let update = Self.update(640_000_201, text: text)
                #expect(try await post(server, update) == 200)
                try await api.waitFor("the finished answer") {
                    api.calls("editMessageText").last?.body["text"]?.string == TelegramEndToEndTests.escaped("👋 " + text)
                }
                let sends = api.calls("sendMessage")
                #expect(sends.count == 1)
                let placeholder = try #require(sends.first)
                #expect(placeholder.body["text"] == "…")
                #expect(placeholder.body["chat_id"] == "-4012345678")
                #expect(placeholder.body["reply_parameters"]?["message_id"] == .number(4201))
                let edits = api.calls("editMessageText")
                #expect(edits.count >= 2, "the answer should grow in place, not arrive whole: \(edits.count) edits")
                #expect(edits.allSatisfy { $0.body["message_id"] == .number(9001) && $0.body["parse_mode"] == "MarkdownV2" })

                // The same update again: acknowledged, nothing sent.
                let before = api.calls.count
                #expect(try await post(server, update) == 200)
                try await Task.sleep(for: .seconds(1))
                #expect(api.calls.count == before)
            }
        }
    }

    @Test("a 429 on an edit is honoured: nothing is sent to Telegram until retry_after has passed, and the answer still arrives whole")
    func rateLimited() async throws {
        let api = FakeBotAPI(throttledEdits: 1, retryAfter: 2)
        try await LoopbackServer.withRunning(respond: api.respond) { loopback in
            try await RunningSwitchboard.run(yaml: Self.yaml(loopback.url), plugins: [.telegram]) { server in
                let text = String(repeating: "慢一点再发。", count: 12)
                #expect(try await post(server, Self.update(640_000_202, text: text)) == 200)
                try await api.waitFor("the finished answer") {
                    api.calls("editMessageText").last?.body["text"]?.string == TelegramEndToEndTests.escaped("👋 " + text)
                }
                let edits = api.calls("editMessageText")
                let refused = try #require(edits.first)
                let next = try #require(edits.dropFirst().first)
                #expect(next.at - refused.at >= .seconds(2), "the next edit came \(next.at - refused.at) after a 429 asking for 2 s")
            }
        }
    }

    @Test("a wrong secret is refused with 401 and nothing is sent")
    func wrongSecret() async throws {
        let api = FakeBotAPI()
        try await LoopbackServer.withRunning(respond: api.respond) { loopback in
            try await RunningSwitchboard.run(yaml: Self.yaml(loopback.url), plugins: [.telegram]) { server in
                #expect(try await post(server, Self.update(640_000_203, text: "hi", secret: "forged-secret")) == 401)
                try await Task.sleep(for: .milliseconds(500))
                #expect(api.calls.isEmpty)
            }
        }
    }

    @Test("POST /notify to a Telegram chat sends the whole text at once, mentions first; @all is refused with 400 before anything is sent")
    func notify() async throws {
        let api = FakeBotAPI()
        let token = "notify-token-0123456789"
        let yaml = Self.yaml("http://placeholder") + "\nnotify: {token: \(token)}\ntargets: {ops: {bot: telegram-main, chat: \"-1002233445566\"}}"
        try await LoopbackServer.withRunning(respond: api.respond) { loopback in
            try await RunningSwitchboard.run(yaml: yaml.replacingOccurrences(of: "http://placeholder", with: loopback.url), plugins: [.telegram]) { server in
                func notify(_ body: String) async throws -> Int {
                    var headers: HTTPFields = [.contentType: "application/json"]
                    headers[.authorization] = "Bearer \(token)"
                    return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/notify/ops", headers: headers, body: Data(body.utf8))).status
                }
                #expect(try await notify(#"{"markdown": "部署完成：v2.1 (build 77)", "mention": ["7261534098"]}"#) == 200)
                let send = try #require(api.calls("sendMessage").first)
                #expect(send.body["chat_id"] == "-1002233445566")
                #expect(send.body["text"] == #"[7261534098](tg://user?id=7261534098)\#n部署完成：v2\.1 \(build 77\)"#)
                #expect(api.calls("editMessageText").isEmpty)
                #expect(try await notify(#"{"markdown": "x", "mention": ["@all"]}"#) == 400)
                #expect(api.calls.count == 1)
            }
        }
    }

    /// The answer as MarkdownV2 sends it (the echo backend answers with the question: the text
    /// without the bot's @-mention).
    static func escaped(_ text: String) -> String {
        ReplyRenderer.render(markdown: text, for: .telegramMarkdownV2).first?.text ?? ""
    }
}
