import Crypto
import Foundation
import Logging
import SwitchboardCore
import SwitchboardPlatformFakes
@testable import SwitchboardFeishu
import SwitchboardServer
import SwitchboardTesting
import Synchronization
import Testing

/// The app's and the custom bot's delivery against the fake Open API, one reply at a time.
@Suite("Feishu delivery", .timeLimit(.minutes(5)))
struct FeishuDeliveryTests {
    static let transport = AsyncHTTPClientTransport()

    static func adapter(api: String, _ extra: [String: JSONValue] = [:]) throws -> any ChatAdapter {
        let config: [String: JSONValue] = [
            "platform": "feishu", "app_id": .string(FakeFeishuOpenAPI.appID), "app_secret": .string(FakeFeishuOpenAPI.appSecret),
            "verification_token": .string(FeishuPlatform.token), "bot_open_id": .string(FakeFeishuOpenAPI.botOpenID), "host": .string(api),
            // The PATCH-updated card; CardKit has its own tests (FeishuCardKitTests).
            "card": "patch",
        ]
        let section = try ConfigSection(JSONValue.object(config.merging(extra) { $1 }).configNode(path: "bots.f", file: "test.yaml"))
        return try FeishuAdapterFactory().makeAdapter(botID: "f", config: section, environment: FactoryEnvironment(transport: transport, logger: Logger(label: "t")))
    }

    static func context(store: any StateStore = InMemoryStateStore(), job: String = "job-1") -> DeliveryContext {
        DeliveryContext(transport: transport, idempotencyKey: job, attempt: 1, replyState: ReplyStateHandle(store: store, jobID: job), logger: Logger(label: "t"))
    }

    static func event(messageID: String? = "om_q", type: ConversationType = .group) -> ChatEvent {
        var address = ["chat_id": FeishuPlatform.chat]
        if let messageID { address["message_id"] = messageID }
        return ChatEvent(
            id: "f:\(messageID ?? "e")", platform: "feishu", bot: "f", conversation: Conversation(id: FeishuPlatform.chat, type: type),
            sender: Participant(id: FeishuPlatform.user), text: "q", messageID: messageID, timestamp: Date(), replyAddress: ReplyAddress(address)
        )
    }

    @Test("one tenant token for many sends; a token Feishu refuses is refreshed once")
    func tokenShared() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            let adapter = try Self.adapter(api: api.url, ["message_type": "text"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    group.addTask { _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "答\(index)")), to: Self.event(messageID: "om_\(index)"), context: Self.context(job: "j\(index)")) }
                }
                try await group.waitForAll()
            }
            #expect(api.tokenFetches == 1)
            #expect(api.sends.count == 10)
            api.expireToken()
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "再答")), to: Self.event(), context: Self.context(job: "late"))
            #expect(api.tokenFetches == 2)
            #expect(api.sends.last?.body["content"] == #"{"text":"再答"}"#)
        }
    }

    @Test("with nothing to reply to, a message is created in the chat; reply_in_thread is sent in groups")
    func createAndThread() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            _ = try await Self.adapter(api: api.url, ["message_type": "post"]).deliver(ReplyStream(reply: Reply(markdown: "欢迎")), to: Self.event(messageID: nil), context: Self.context(job: "a"))
            #expect(api.sends.first?.path == "/open-apis/im/v1/messages")
            #expect(api.sends.first?.body["receive_id"] == .string(FeishuPlatform.chat))
            #expect(api.sends.first?.msgType == "post")
            _ = try await Self.adapter(api: api.url, ["message_type": "text", "reply_in_thread": "true"]).deliver(ReplyStream(reply: Reply(markdown: "好")), to: Self.event(), context: Self.context(job: "b"))
            #expect(api.sends.last?.body["reply_in_thread"] == .bool(true))
        }
    }

    @Test("a refused card falls back to rich text; a bot that is not in the chat finishes the job without a retry")
    func fallbacks() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            let adapter = try Self.adapter(api: api.url)
            api.refuse(msgType: "interactive")
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "**答案**")), to: Self.event(), context: Self.context(job: "a"))
            #expect(api.sends.map(\.msgType) == ["post"])
            api.refuse(msgType: "post")
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "**答案**")), to: Self.event(), context: Self.context(job: "c"))
            #expect(api.sends.map(\.msgType) == ["post", "text"])
            #expect(api.sends.last?.body["content"] == #"{"text":"答案"}"#)
            api.faultNextSends(.code(230002, "Bot is not in the chat"))
            let receipt = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "答")), to: Self.event(), context: Self.context(job: "b"))
            #expect(receipt.messageIDs.isEmpty)
            #expect(api.sends.count == 2)
        }
    }

    @Test("a card refused mid-stream: the answer already read is posted as rich text, the stream is read once, the placeholder says where it went")
    func refusedMidStream() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            let adapter = try Self.adapter(api: api.url, ["update_interval": "200ms"])
            api.refusePatches(containing: "无法显示")
            let answer = SlowAnswer(chunks: [.delta("第一段。"), .delta("这里有卡片无法显示的内容。"), .delta("最后一段。"), .end], pause: .milliseconds(300))
            _ = try await adapter.deliver(ReplyStream(answer), to: Self.event(), context: Self.context(job: "mid"))
            #expect(answer.reads == 1, "the backend's stream was read \(answer.reads) times")
            #expect(api.sends.map(\.msgType) == ["interactive", "post"])
            let post = api.sends.last?.body["content"]?.string ?? ""
            #expect(post.contains("第一段") && post.contains("最后一段"), "\(post)")
            let placeholder = try #require(api.sends.first?.messageID)
            let lastPatch = try #require(api.patches.last)
            #expect(lastPatch.messageID == placeholder)
            #expect(lastPatch.markdown == FeishuDelivery.movedNotice)
        }
    }

    @Test("a rate-limited send waits for x-ogw-ratelimit-reset and is sent once")
    func rateLimit() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            api.faultNextSends(.rateLimited(resetSeconds: 1))
            let started = ContinuousClock.now
            _ = try await Self.adapter(api: api.url, ["message_type": "text"]).deliver(ReplyStream(reply: Reply(markdown: "答")), to: Self.event(), context: Self.context())
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(api.sendAttempts.count == 2)
            #expect(api.sends.count == 1)
        }
    }

    @Test("an answer longer than one card continues in further cards; a retried delivery posts none twice")
    func longAnswer() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            let adapter = try Self.adapter(api: api.url)
            let long = (1...120).map { "第\($0)段：" + String(repeating: "内容很长的回答。", count: 12) }.joined(separator: "\n\n")
            let parts = ReplyRenderer.render(markdown: long, for: .feishuCard).map(\.text)
            #expect(parts.count >= 2)
            let store = InMemoryStateStore()
            let first = try await adapter.deliver(ReplyStream(reply: Reply(markdown: long)), to: Self.event(), context: Self.context(store: store))
            #expect(first.messageIDs.count == parts.count)
            #expect(api.sends.count == parts.count)
            #expect(api.patches.last(where: { $0.messageID == first.messageIDs[0] })?.markdown == parts[0])
            #expect(api.sends.dropFirst().map(\.cardMarkdown) == Array(parts.dropFirst()))
            // The job retried (a crash after sending): the cards are updated, none posted again.
            let again = try await adapter.deliver(ReplyStream(reply: Reply(markdown: long)), to: Self.event(), context: Self.context(store: store))
            #expect(again.messageIDs == first.messageIDs)
            #expect(api.sends.count == parts.count)
        }
    }

    @Test("a custom bot posts a signed card to its webhook")
    func customBot() async throws {
        try await LoopbackServer.withRunning(respond: { _ in .json(raw: #"{"code":0,"msg":"success","data":{}}"#) }) { hook in
            let config: [String: JSONValue] = ["platform": "feishu", "mode": "webhook", "webhook_url": .string("\(hook.url)/open-apis/bot/v2/hook/abc"), "secret": "fixtureCustomBotSecret"]
            let section = try ConfigSection(JSONValue.object(config).configNode(path: "bots.w", file: "test.yaml"))
            let adapter = try FeishuAdapterFactory().makeAdapter(botID: "w", config: section, environment: FactoryEnvironment(transport: Self.transport, logger: Logger(label: "t")))
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "部署完成")), to: Self.event(), context: Self.context())
            let body = try JSONDecoder().decode(JSONValue.self, from: try #require(hook.requests.first).body)
            #expect(body["msg_type"] == "interactive")
            #expect(body["card"]?["elements"]?.array?.first?["content"] == "部署完成")
            let timestamp = try #require(body["timestamp"]?.string)
            #expect(body["sign"]?.string == FeishuDeliveryTests.customBotSign(timestamp: timestamp, secret: "fixtureCustomBotSecret"))
            // Receiving is not what a custom bot does.
            let refused = await adapter.handle(WebhookRequest(method: .post, url: "/webhooks/w", body: Data("{}".utf8)), context: WebhookContext())
            #expect(refused.response.status == .methodNotAllowed)
        }
    }

    /// The custom bot's signature, computed here independently (platforms.md §2d).
    static func customBotSign(timestamp: String, secret: String) -> String {
        let key = SymmetricKey(data: Data("\(timestamp)\n\(secret)".utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: Data(), using: key)).base64EncodedString()
    }
}

@Suite("Feishu notifications", .timeLimit(.minutes(5)))
struct FeishuNotificationTests {
    @Test("@all and ids become Feishu's @-mentions in a card, a text and a post")
    func mentionsPerKind() throws {
        let asked = ["@all", "ou_84aad35d084aa403a838cf73ee18467"]
        #expect(FeishuPayloads.mentioning(asked, in: "发布完成", kind: .card) == "<at id=ou_84aad35d084aa403a838cf73ee18467></at> <at id=all></at> 发布完成")
        #expect(
            FeishuPayloads.mentioning(asked, in: "发布完成", kind: .text)
                == #"<at user_id="ou_84aad35d084aa403a838cf73ee18467"></at> <at user_id="all">所有人</at> 发布完成"#
        )
        let post = ReplyRenderer.render(markdown: "**发布完成**", for: .feishuPost)[0].text
        let mentioned = try JSONParser.parse(Data(FeishuPayloads.mentioning(asked, in: post, kind: .post).utf8))
        let first = try #require(mentioned["zh_cn"]?["content"]?.array?.first?.array)
        #expect(first.prefix(2) == [["tag": "at", "user_id": "ou_84aad35d084aa403a838cf73ee18467"], ["tag": "at", "user_id": "all"]])
        #expect(first.contains { $0["text"] == "发布完成" })
        #expect(FeishuPayloads.refusal(mentions: ["+8613800001111"]) != nil)
        #expect(FeishuPayloads.refusal(mentions: asked) == nil)
    }

    @Test("an app bot notifies a chat by creating a message in it, with the asked mentions on the card")
    func appBotToChat() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            let adapter = try FeishuDeliveryTests.adapter(api: api.url)
            let notifier = Notifier(
                targets: [NotifyTarget(name: "group", bot: "f", destination: NotificationDestination(chat: FeishuPlatform.chat), token: "t")],
                adapters: ["f": adapter], transport: FeishuDeliveryTests.transport, logger: Logger(label: "t")
            )
            let result = await notifier.send("**发布完成**", mentions: ["ou_zhangsan"], to: "group")
            #expect(result.ok, "\(result)")
            #expect(result.messageIDs == ["om_sent0001"])
            let send = try #require(api.sends.first)
            #expect(send.path == "/open-apis/im/v1/messages")
            #expect(send.body["receive_id"] == .string(FeishuPlatform.chat))
            #expect(api.patches.last?.markdown == "<at id=ou_zhangsan></at> **发布完成**")
            #expect(Notifier.check([NotifyTarget(name: "x", bot: "f", destination: NotificationDestination(), token: "t")], adapters: ["f": adapter]).first?.key == "targets.x")
        }
    }
}

/// A backend answer that arrives slowly and counts how often it is read.
final class SlowAnswer: AsyncSequence, Sendable {
    typealias Element = ReplyChunk
    let chunks: [ReplyChunk]
    let pause: Duration
    private let readCount = Mutex(0)

    init(chunks: [ReplyChunk], pause: Duration) {
        self.chunks = chunks
        self.pause = pause
    }

    var reads: Int { readCount.withLock { $0 } }

    struct AsyncIterator: AsyncIteratorProtocol {
        let answer: SlowAnswer
        var index = 0
        mutating func next() async throws -> ReplyChunk? {
            guard index < answer.chunks.count else { return nil }
            if index > 0 { try await Task.sleep(for: answer.pause) }
            defer { index += 1 }
            return answer.chunks[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        readCount.withLock { $0 += 1 }
        return AsyncIterator(answer: self)
    }
}
