import Foundation
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardDify
import SwitchboardFeishu
import SwitchboardTesting
import Synchronization
import Testing

/// The real server with a Feishu bot, a Dify backend streaming from a fake Dify, and a fake Open
/// API, all over HTTP.
@Suite("Feishu end to end", .timeLimit(.minutes(5)))
struct FeishuEndToEndTests {
    static func yaml(api: FakeFeishuOpenAPI, dify: FakeDifyServer, botOpenID: Bool = true) -> String {
        """
        backends:
          dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "${DIFY_API_KEY}", app: chat}
        bots:
          feishu-main:
            platform: feishu
            app_id: \(FakeFeishuOpenAPI.appID)
            app_secret: "${FEISHU_APP_SECRET}"
            verification_token: \(FeishuPlatform.token)
            encrypt_key: "${FEISHU_ENCRYPT_KEY}"
            host: "\(api.url)"
            update_interval: 200ms
            card: patch
        \(botOpenID ? "    bot_open_id: \(FakeFeishuOpenAPI.botOpenID)" : "")
        engine: {poll_interval: 100ms}
        """
    }

    static func environment(_ dify: FakeDifyServer) -> [String: String] {
        ["DIFY_API_KEY": dify.apiKey, "FEISHU_APP_SECRET": FakeFeishuOpenAPI.appSecret, "FEISHU_ENCRYPT_KEY": FeishuPlatform.encryptKey]
    }

    static let answer = [
        "## 结论\n\n可以上线。回归测试全部通过，性能指标与上一版本持平。",
        "没有阻塞问题，两个已知的小问题已记录在案，下个迭代处理。\n\n",
        "| 项目 | 状态 |\n|---|---|\n| 单元测试 | 通过 |\n| 集成测试 | 通过 |\n",
        "\n如需回滚，执行 `deploy rollback` 即可，预计耗时五分钟。",
    ]

    @Test("a group @-message ▸ a card, growing PATCHes, the last the whole answer; four redeliveries ▸ one card; no @ ▸ no reply")
    func streamedCard() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                let events = FakeDifyEvents()
                var steps: [FakeDifyStep] = []
                for piece in Self.answer { steps += [events.message(piece), .pause(.milliseconds(450))] }
                dify.enqueue(.stream(steps + [events.messageEnd()]))
                try await RunningSwitchboard.run(
                    yaml: Self.yaml(api: api, dify: dify), environment: Self.environment(dify),
                    adapters: [FeishuAdapterFactory()], backends: [DifyBackendFactory()]
                ) { server in
                    let feishu = FeishuPlatform(server: server)
                    let message = FeishuPlatform.message(eventID: "ev-1", messageID: "om_q1", text: "能上线吗？")
                    let ack = try await feishu.post(message)
                    #expect(ack.status == 200 && ack.body == #"{"msg":"success"}"#)
                    // Feishu's retry schedule: the same event four more times.
                    for _ in 0..<4 { #expect(try await feishu.post(message).status == 200) }

                    let full = ReplyRenderer.render(markdown: Self.answer.joined(), for: .feishuCard).first!.text
                    try await api.waitFor("the final PATCH") { api.patches.last?.markdown == full }
                    let sends = api.sends
                    #expect(sends.count == 1)
                    #expect(sends.first?.path == "/open-apis/im/v1/messages/om_q1/reply")
                    #expect(sends.first?.msgType == "interactive")
                    #expect(sends.first?.cardMarkdown == "思考中…")
                    let patches = api.patches
                    #expect(patches.count >= 3, "\(patches.map(\.markdown))")
                    #expect(patches.allSatisfy { $0.messageID == sends.first?.messageID && $0.updateMulti })
                    let lengths = patches.compactMap { $0.markdown?.utf8.count }
                    #expect(lengths == lengths.sorted() && lengths.first! < lengths.last!, "the card grows: \(lengths)")
                    #expect(dify.calls.count == 1)
                    #expect(api.tokenFetches == 1)

                    // A group message that does not @ the bot matches no rule: nothing is sent.
                    let plain = FeishuPlatform.message(eventID: "ev-2", messageID: "om_q2", text: "大家好", mentionBot: false)
                    #expect(try await feishu.post(plain).status == 200)
                    // The fence: an @-message of the same chat after it, answered.
                    #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-3", messageID: "om_q3", text: "还有吗？")).status == 200)
                    try await api.waitFor("the fence's card") { api.sendAttempts.count == 2 }
                    _ = try await dify.waitForCalls(count: 2)
                    #expect(dify.calls.last?.query?.contains("还有吗") == true, "only the @-message was asked: \(dify.calls.map(\.query))")
                }
            }
        }
    }

    @Test("a send that meets a network error is retried with the same uuid, and the card is posted once")
    func retriedSendKeepsItsUUID() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                api.faultNextSends(.drop)
                try await RunningSwitchboard.run(
                    yaml: Self.yaml(api: api, dify: dify), environment: Self.environment(dify),
                    adapters: [FeishuAdapterFactory()], backends: [DifyBackendFactory()]
                ) { server in
                    let feishu = FeishuPlatform(server: server)
                    #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-9", messageID: "om_q9", text: "你好", chatType: "p2p", mentionBot: false)).status == 200)
                    try await api.waitFor("the final PATCH") { api.patches.last?.markdown?.contains("你好") == true }
                    let attempts = api.sendAttempts
                    #expect(attempts.count == 2)
                    #expect(attempts[0].uuid != nil && attempts[0].uuid == attempts[1].uuid)
                    #expect(api.sends.count == 1)
                }
            }
        }
    }

    @Test("two Feishu bots on one server, each on its own path with its own keys")
    func twoBots() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                let second = """
                    backends:
                      dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "${DIFY_API_KEY}", app: chat}
                    bots:
                      feishu-main:
                        {platform: feishu, app_id: \(FakeFeishuOpenAPI.appID), app_secret: "${FEISHU_APP_SECRET}", verification_token: \(FeishuPlatform.token),
                         encrypt_key: "${FEISHU_ENCRYPT_KEY}", host: "\(api.url)", bot_open_id: \(FakeFeishuOpenAPI.botOpenID), message_type: text}
                      feishu-plain:
                        {platform: feishu, app_id: \(FakeFeishuOpenAPI.appID), app_secret: "${FEISHU_APP_SECRET}", verification_token: other-token,
                         host: "\(api.url)", bot_open_id: \(FakeFeishuOpenAPI.botOpenID), message_type: text}
                    engine: {poll_interval: 100ms}
                    """
                try await RunningSwitchboard.run(
                    yaml: second, environment: Self.environment(dify), adapters: [FeishuAdapterFactory()], backends: [DifyBackendFactory()]
                ) { server in
                    let feishu = FeishuPlatform(server: server)
                    #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-a", messageID: "om_a", text: "甲", chatType: "p2p", mentionBot: false)).status == 200)
                    // The second bot has no encrypt key and its own token: a plain body with that token.
                    var plain = FeishuPlatform.message(eventID: "ev-b", messageID: "om_b", text: "乙", chatType: "p2p", mentionBot: false)
                    if case .object(var header)? = plain["header"] { header["token"] = "other-token"; plain["header"] = .object(header) }
                    let body = try JSONEncoder().encode(plain)
                    let answer = try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/feishu-plain", headers: [.contentType: "application/json"], body: body))
                    #expect(answer.status == 200, "\(answer.body)")
                    // The first bot's token does not open the second bot's door.
                    let wrong = try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/feishu-plain", headers: [.contentType: "application/json"], body: try JSONEncoder().encode(FeishuPlatform.message(eventID: "ev-c", messageID: "om_c", text: "丙", chatType: "p2p", mentionBot: false))))
                    #expect(wrong.status == 401)
                    try await api.waitFor("two answers") { api.sends.count == 2 }
                    #expect(Set(api.sends.map(\.path)) == ["/open-apis/im/v1/messages/om_a/reply", "/open-apis/im/v1/messages/om_b/reply"])
                }
            }
        }
    }

    @Test("without bot_open_id the bot reads its identity from bot/v3/info, then recognises its mention")
    func identityFromBotInfo() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                try await RunningSwitchboard.run(
                    yaml: Self.yaml(api: api, dify: dify, botOpenID: false), environment: Self.environment(dify),
                    adapters: [FeishuAdapterFactory()], backends: [DifyBackendFactory()]
                ) { server in
                    try await api.waitFor("bot info") { api.botInfoCalls == 1 }
                    let feishu = FeishuPlatform(server: server)
                    var status = 0
                    // The info call may still be on its way back: Feishu would redeliver a 503.
                    for _ in 0..<50 where status != 200 {
                        status = try await feishu.post(FeishuPlatform.message(eventID: "ev-5", messageID: "om_q5", text: "在吗")).status
                        if status != 200 { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    #expect(status == 200)
                    try await api.waitFor("the answer") { api.patches.last?.markdown?.contains("在吗") == true }
                    #expect(dify.calls.first?.query == "在吗")
                }
            }
        }
    }
}

/// Replies and quotes in a Feishu group: a reply to the bot's card without @ is addressed to the
/// bot (the app reads all group messages), and the replied-to text — the bot's card, a colleague's
/// message — is read from the Open API and put before the question.
@Suite("Feishu replies and quotes", .timeLimit(.minutes(5)))
struct FeishuReplyTests {
    @Test("a reply to the bot's card is answered with the card's text quoted; an @ quoting a colleague gets their text; a reply to a colleague without @ is not for the bot")
    func repliesAndQuotes() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            api.remember(message: "om_colleague", content: #"{"text":"下周二全员上线"}"#)
            let yaml = """
                bots:
                  feishu-main:
                    platform: feishu
                    app_id: \(FakeFeishuOpenAPI.appID)
                    app_secret: "${FEISHU_APP_SECRET}"
                    verification_token: \(FeishuPlatform.token)
                    encrypt_key: "${FEISHU_ENCRYPT_KEY}"
                    host: "\(api.url)"
                    card: patch
                    message_type: text
                    bot_open_id: \(FakeFeishuOpenAPI.botOpenID)
                    reads_all_group_messages: true
                engine: {poll_interval: 50ms}
                routes:
                  - {name: group, when: {mention: true}, backend: echo}
                """
            let environment = ["FEISHU_APP_SECRET": FakeFeishuOpenAPI.appSecret, "FEISHU_ENCRYPT_KEY": FeishuPlatform.encryptKey]
            let store = InMemoryStateStore()
            try await RunningSwitchboard.run(yaml: yaml, environment: environment, adapters: [FeishuAdapterFactory()], store: store) { server in
                let feishu = FeishuPlatform(server: server)
                #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-1", messageID: "om_q1", text: "年假有几天？")).status == 200)
                try await api.waitFor("the first answer") { api.sends.count == 1 }
                // The job done: the bot's message id is remembered (a person replies seconds later).
                try await waitUntil("the store idle") { await store.unfinishedJobCount == 0 }
                let botMessage = try #require(api.sends.first?.messageID)
                #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-2", messageID: "om_q2", text: "那病假呢？", mentionBot: false, parentID: botMessage)).status == 200)
                try await api.waitFor("the answer to the reply") { api.sends.count == 2 }
                #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-3", messageID: "om_q3", text: "同意", mentionBot: false, parentID: "om_colleague")).status == 200)
                #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-4", messageID: "om_q4", text: "这个对吗？", parentID: "om_colleague")).status == 200)
                try await api.waitFor("the answer to the quote") { api.sends.count == 3 }
                // Every job ended: the unaddressed reply could not still be answered.
                try await waitUntil("the store idle") { await store.unfinishedJobCount == 0 }
                let sends = api.sends
                #expect(sends.map(\.path) == ["/open-apis/im/v1/messages/om_q1/reply", "/open-apis/im/v1/messages/om_q2/reply", "/open-apis/im/v1/messages/om_q4/reply"])
                let texts = sends.map { (try? JSONParser.parse(Data(($0.body["content"]?.string ?? "").utf8)))?["text"]?.string ?? "" }
                #expect(texts[1] == "> 年假有几天？\n\n那病假呢？")
                #expect(texts[2] == "> 下周二全员上线\n\n这个对吗？")
                // The unaddressed reply to a colleague was never worked on: its quote was not read.
                #expect(api.messageReads == [botMessage, "om_colleague"])
            }
        }
    }
}
