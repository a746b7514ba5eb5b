import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Synchronization
import Testing

@testable import SwitchboardDingTalk

@Suite("DingTalk signatures and decoding", .timeLimit(.minutes(5)))
struct DingTalkSignatureTests {
    /// platforms.md §6.3.
    @Test func knownAnswers() {
        #expect(DingTalkSignature.sign(timestamp: "1718000000123", secret: "fixtureAppSecret-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z") == "jgi4rdC90fRLOhQioM+Mzev8QeMqmKMc9MxaJNw9SPQ=")
        #expect(DingTalkSignature.isValid("jgi4rdC90fRLOhQioM+Mzev8QeMqmKMc9MxaJNw9SPQ=", timestamp: "1718000000123", secret: "fixtureAppSecret-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"))
        #expect(!DingTalkSignature.isValid("jgi4rdC90fRLOhQioM+Mzev8QeMqmKMc9MxaJNw9SPQ=", timestamp: "1718000000124", secret: "fixtureAppSecret-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"))
        #expect(!DingTalkSignature.isValid("not base64!", timestamp: "1718000000123", secret: "x"))
        let robot = DingTalkSignature.sign(timestamp: "1718000000123", secret: "SECfixture0123456789abcdef0123456789abcdef0123456789abcdef01234567")
        #expect(robot == "v2uNc7FnWweAO59FGzsk1ghXge3P81tjNene7jm7OZM=")
    }

    @Test func theCustomRobotSignsItsURL() throws {
        let adapter = try DingTalkTest.robot(["secret": "SECfixture0123456789abcdef0123456789abcdef0123456789abcdef01234567"])
        let url = adapter.signedURL(now: Date(timeIntervalSince1970: 1_718_000_000.123))
        #expect(url == "https://oapi.dingtalk.com/robot/send?access_token=robot-token&timestamp=1718000000123&sign=v2uNc7FnWweAO59FGzsk1ghXge3P81tjNene7jm7OZM%3D")
        #expect(throws: ConfigError.self) { try DingTalkTest.robot(["secret": "not-a-robot-secret"]) }
    }

    @Test func aKeywordAndMentionsAreAddedToTheFirstPart() throws {
        let adapter = try DingTalkTest.robot(["keyword": "告警", "at_mobiles": .array(["13800001111"])])
        let first = adapter.body("CPU 95%", first: true)
        #expect(first["markdown"]?["text"] == "CPU 95%\n\n告警\n\n@13800001111")
        #expect(first["at"]?["atMobiles"] == ["13800001111"])
        let second = adapter.body("告警 continues", first: false)
        #expect(second["markdown"]?["text"] == "告警 continues")
        #expect(second["at"] == nil)
    }

    @Test func groupsOnlyDeliverMentionsSoKeywordRulesAreWarnedAbout() throws {
        let adapter = try DingTalkTest.app()
        #expect(adapter.capabilities.groupsDeliverUnmentionedMessages == false)
        let (_, warnings) = try RoutingTable.validated(
            rules: [RoutingRule(name: "finance", trigger: .keywords(["报销"]), backend: "echo")], backends: ["echo"],
            bots: [BotDescription(id: adapter.botID, platform: adapter.platform, capabilities: adapter.capabilities)]
        )
        // (switchboard check adds the route's place in the file: switchboardTests checks that line.)
        #expect(warnings.map(\.description) == [
            "route finance: in dingtalk groups only messages that @-mention the bot arrive, so this keywords rule fires there only on @-messages"
        ])
    }

    @Test func aFrameThatCannotBeDecodedStillNamesTheIDItIsAckedBy() {
        let id = { (text: String) in DingTalkStreamFrames.messageID(in: Data(text.utf8)) }
        #expect(id(#"{"type":"CALLBACK","headers":{"messageId":"7e1a-42f0-b3c9"},"data":"{oops"}"#) == "7e1a-42f0-b3c9")
        #expect(id(#"{"type":"CALLBACK","headers":{"messageId" : "cut-1","topic":"/v1.0/im/bot/me"#) == "cut-1")
        #expect(id(#"{"type":"CALLBACK","headers":{}}"#) == nil)
        #expect(id(#"{"headers":{"messageId":"unterminated"#) == nil)
        #expect(id("not a frame") == nil)
    }

    @Test func unknownFramesAndTopicsAreAnsweredNotFatal() throws {
        let message = DingTalkMessage(botID: "d")
        let event = try DingTalkStreamFrames.decode(Data(#"{"type":"EVENT","headers":{"messageId":"e1","topic":"*"},"data":"{}"}"#.utf8), message: message)
        #expect(event.events.isEmpty && event.reply != nil)
        let unknown = try DingTalkStreamFrames.decode(Data(#"{"type":"CALLBACK","headers":{"messageId":"c1","topic":"/v1.0/calendar/callback"},"data":"{}"}"#.utf8), message: message)
        #expect(try JSONParser.parse(try #require(unknown.reply))["code"] == .number(404))
        #expect(throws: WebhookRejection.self) { try DingTalkStreamFrames.decode(Data(#"{"type":"CALLBACK","headers":{"messageId":"c2","topic":"/v1.0/im/bot/messages/get"},"data":"oops"}"#.utf8), message: message) }
    }
}

@Suite("DingTalk delivery", .timeLimit(.minutes(5)))
struct DingTalkDeliveryTests {
    static func event(group: Bool, expires: Date, webhook: String, staff: String? = "032615015535634423") -> ChatEvent {
        var address = [
            "conversation_id": "cid-1", "conversation_type": group ? "2" : "1", "session_webhook": webhook,
            "session_webhook_expires": String(Int64(expires.timeIntervalSince1970 * 1000)), "robot_code": FakeDingTalk.appKey,
        ]
        address["sender_staff_id"] = staff
        return ChatEvent(
            id: "d:m", platform: "dingtalk", bot: "d", conversation: Conversation(id: "cid-1", type: group ? .group : .direct),
            sender: Participant(id: staff ?? "x"), text: "q", timestamp: Date(), replyAddress: ReplyAddress(address)
        )
    }

    @Test("a direct chat after its session expired goes through oToMessages/batchSend; one token for many; a long answer is split")
    func directAfterExpiry() async throws {
        try await FakeDingTalk.withRunning { fake in
            let adapter = try DingTalkTest.app(["api_base": .string(fake.url)])
            let past = Date().addingTimeInterval(-10)
            for index in 0..<3 {
                _ = try await adapter.deliver(
                    ReplyStream(reply: Reply(markdown: "答\(index)")), to: Self.event(group: false, expires: past, webhook: fake.sessionWebhook),
                    context: DingTalkTest.context(job: "j\(index)")
                )
            }
            #expect(fake.tokenFetches == 1)
            #expect(fake.openAPISends.map(\.path) == Array(repeating: "/v1.0/robot/oToMessages/batchSend", count: 3))
            // The token expires: the send gets 401, a new token is fetched once and the send retried.
            fake.expireToken()
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "答3")), to: Self.event(group: false, expires: past, webhook: fake.sessionWebhook), context: DingTalkTest.context(job: "j3"))
            #expect(fake.tokenFetches == 2)
            #expect(fake.openAPISends.count == 4)
            #expect(fake.openAPISends.last?.token == "fa9b1c2d3e4f5a6b7c8d9e0f1a2b3c42")
            #expect(fake.openAPISends.first?.body["userIds"] == ["032615015535634423"])
            let long = (1...80).map { "第\($0)段：" + String(repeating: "很长的回答内容。", count: 20) }.joined(separator: "\n\n")
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: long)), to: Self.event(group: true, expires: Date().addingTimeInterval(3600), webhook: fake.sessionWebhook), context: DingTalkTest.context(job: "long"))
            let parts = ReplyRenderer.render(markdown: long, for: .dingtalkMarkdown)
            #expect(parts.count > 1)
            #expect(fake.sessionPosts.count == parts.count)
            // Only the first part @-mentions the asker.
            #expect(fake.sessionPosts.filter { $0["at"] != nil }.count == 1)
        }
    }

    @Test("without a staff id and without a live session, the failure says why and is not retried")
    func noWayToReply() async throws {
        let adapter = try DingTalkTest.app()
        await #expect(throws: DingTalkDeliveryError.self) {
            _ = try await adapter.deliver(
                ReplyStream(reply: Reply(markdown: "答")), to: Self.event(group: false, expires: Date().addingTimeInterval(-10), webhook: "http://127.0.0.1:9/x", staff: nil),
                context: DingTalkTest.context()
            )
        }
    }

    @Test("130101 and HTTP 401 are retryable; a bad app secret names the keys")
    func errors() {
        #expect(DingTalkAPIError(botID: "d", api: "robot/send", kind: .errcode(130101, "send too fast")).isRetryable)
        #expect(DingTalkAPIError(botID: "d", api: "groupMessages/send", kind: .http(401, "InvalidAuthentication", "")).isTokenRejected)
        let credentials = DingTalkAPIError(botID: "d", api: "accessToken", kind: .http(400, "invalidClientIdOrSecret", "")).description
        #expect(credentials.contains("check bots.d.app_key and bots.d.app_secret"))
    }
}

enum DingTalkTest {
    static let transport = AsyncHTTPClientTransport()

    static func app(_ extra: [String: JSONValue] = [:]) throws -> any ChatAdapter {
        try make(["platform": "dingtalk", "mode": "http", "app_key": .string(FakeDingTalk.appKey), "app_secret": .string(FakeDingTalk.appSecret)].merging(extra) { $1 })
    }

    static func robot(_ extra: [String: JSONValue] = [:]) throws -> DingTalkRobotAdapter {
        try #require(try make(["platform": "dingtalk", "mode": "robot", "access_token": "robot-token"].merging(extra) { $1 }) as? DingTalkRobotAdapter)
    }

    static func make(_ config: [String: JSONValue]) throws -> any ChatAdapter {
        let section = try ConfigSection(JSONValue.object(config).configNode(path: "bots.d", file: "test.yaml"))
        return try DingTalkAdapterFactory().makeAdapter(botID: "d", config: section, environment: FactoryEnvironment(transport: transport, logger: Logger(label: "t")))
    }

    static func context(job: String = "job") -> DeliveryContext {
        DeliveryContext(transport: transport, idempotencyKey: job, attempt: 1, replyState: ReplyStateHandle(store: InMemoryStateStore(), jobID: job), logger: Logger(label: "t"))
    }
}

@Suite("DingTalk notifications", .timeLimit(.minutes(5)))
struct DingTalkNotificationTests {
    @Test("an app robot notifies a group through groupMessages/send and a person through oToMessages/batchSend")
    func appRobot() async throws {
        try await FakeDingTalk.withRunning { fake in
            let adapter = try DingTalkTest.app(["api_base": .string(fake.url)])
            let notifier = Notifier(
                targets: [
                    NotifyTarget(name: "group", bot: "d", destination: NotificationDestination(chat: "cid-group"), token: "t"),
                    NotifyTarget(name: "person", bot: "d", destination: NotificationDestination(user: "032615015535634423"), token: "t"),
                ],
                adapters: ["d": adapter], transport: DingTalkTest.transport, logger: Logger(label: "t")
            )
            #expect(await notifier.send("上线完成", to: "group").ok)
            #expect(await notifier.send("请审批", to: "person").ok)
            #expect(fake.openAPISends.map(\.path) == ["/v1.0/robot/groupMessages/send", "/v1.0/robot/oToMessages/batchSend"])
            #expect(fake.openAPISends.first?.body["openConversationId"] == "cid-group")
            #expect(fake.openAPISends.last?.body["userIds"] == ["032615015535634423"])
            let both = Notifier.check([NotifyTarget(name: "x", bot: "d", destination: NotificationDestination(chat: "c", user: "u"), token: "t")], adapters: ["d": adapter])
            #expect(both.first?.reason.contains("one of them") == true)
        }
    }
}

/// The Stream supervisor's reconnect waits, recorded instead of slept.
@Suite("DingTalk Stream reconnects", .timeLimit(.minutes(5)))
struct DingTalkReconnectTests {
    @Test func aFailingGatewayIsRetriedWithGrowingCappedJitteredWaits() async throws {
        // The gateway refuses every ticket at once.
        try await LoopbackServer.withRunning(respond: { _ in WebhookResponse(status: .internalServerError) }) { gateway in
            try await Self.recordWaits(gateway: gateway.url)
        }
    }

    @Test("connections that open and are dropped at once do not start the waits over: they keep growing, as for a refused ticket")
    func shortLivedConnectionsKeepTheBackoffGrowing() async throws {
        try await FakeDingTalk.withRunning { fake in
            fake.state.withLock { $0.closeAtOnce = true }
            try await Self.recordWaits(gateway: fake.url)
            #expect(fake.connections >= 5, "the sockets did open: \(fake.connections)")
        }
    }

    static func recordWaits(gateway: String) async throws {
        let adapter = try #require(
            try DingTalkTest.make([
                "platform": "dingtalk", "mode": "stream", "app_key": .string(FakeDingTalk.appKey), "app_secret": .string(FakeDingTalk.appSecret),
                "gateway_base": .string(gateway), "reconnect_delay": "1s", "reconnect_max_delay": "8s",
            ]) as? DingTalkAppAdapter
        )
        let waits = Mutex<[Duration]>([])
        var service = DingTalkStreamService(adapter: adapter, sink: NoSink(), transport: DingTalkTest.transport, logger: Logger(label: "t"))
        service.sleep = { duration in
            waits.withLock { $0.append(duration) }
            try await Task.sleep(for: .milliseconds(5))
        }
        let supervisor = Task { try await service.run() }
        try? await waitUntil("six waits") { waits.withLock { $0.count } >= 6 }
        supervisor.cancel()
        _ = await supervisor.result
        let recorded = waits.withLock { Array($0.prefix(6)) }
        #expect(recorded.count == 6)
        // 1, 2, 4, 8, 8, 8 seconds, each × [½, 1].
        for (index, wait) in recorded.enumerated() {
            let full = Duration.seconds(min(1 << index, 8))
            #expect(wait >= full / 2 && wait <= full, "reconnect \(index + 1) waited \(wait)")
        }
    }

    struct NoSink: EventSink {
        func accept(_ events: [ChatEvent]) async throws -> AcceptResult { AcceptResult() }
    }
}
