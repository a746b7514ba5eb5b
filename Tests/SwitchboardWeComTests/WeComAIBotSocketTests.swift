import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDify
import SwitchboardPlatformFakes
import SwitchboardTesting
import SwitchboardWeCom
import Testing

/// `mode: aibot, intake: websocket`: the real server with an AI bot on its long connection to a
/// fake WeCom socket.
@Suite("WeCom AI bot long connection", .timeLimit(.minutes(5)))
struct WeComAIBotSocketTests {
    static func yaml(_ fake: FakeWeComAIBotSocket, heartbeat: String = "30s", leaseTTL: String = "30s") -> String {
        """
        backends: {echo: {type: echo, delay_ms: 120}}
        bots:
          aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret),
                  ws_url: "\(fake.url)", bot_name: AI助手, welcome_text: 你好，我是 AI 助手, update_interval: 300ms, heartbeat_interval: \(heartbeat),
                  lease_ttl: \(leaseTTL)}
        engine: {poll_interval: 50ms}
        """
    }

    static func run(
        _ fake: FakeWeComAIBotSocket, heartbeat: String = "30s", logs: LogCapture? = nil, _ body: (RunningSwitchboard) async throws -> Void
    ) async throws {
        try await RunningSwitchboard.run(yaml: yaml(fake, heartbeat: heartbeat), plugins: [.weCom], logs: logs) { server in
            try await fake.waitFor("the subscription") { fake.isSubscribed && fake.openSockets == 1 }
            try await body(server)
        }
    }

    @Test("subscribes with bot_id and secret; a message push is answered as a stream with the push's req_id — growing whole texts, then finish; the same push again is not answered twice")
    func streamedAnswer() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await Self.run(fake) { _ in
                let question = "帮我写一段周会开场白，提醒大家先同步上周的三个风险项"
                let push = FakeWeComAIBotSocket.message(reqID: "REQ-1", msgid: "msg-1", text: question, group: true)
                try await fake.push(push)
                try await fake.waitFor("the finished stream") { fake.commands("aibot_respond_msg").last?.body["stream"]?["finish"] == .bool(true) }
                let frames = fake.commands("aibot_respond_msg")
                #expect(frames.allSatisfy { $0.reqID == "REQ-1" })
                #expect(Set(frames.compactMap { $0.body["stream"]?["id"]?.string }).count == 1, "one stream id for the whole answer")
                #expect(frames.count >= 2, "the answer should grow: \(frames.count) frames")
                let contents = frames.compactMap { $0.body["stream"]?["content"]?.string }
                #expect(contents.count == frames.count, "every frame carries the text so far")
                // Each frame is the whole text so far: it starts with the one before (a trailing
                // "…" of a cut part aside) and the text only grows.
                for (earlier, later) in zip(contents, contents.dropFirst()) {
                    let kept = earlier.hasSuffix("…") ? String(earlier.dropLast()) : earlier
                    #expect(later.hasPrefix(kept) && later.count >= kept.count, "\(earlier) ▸ \(later)")
                }
                #expect(frames.dropLast().allSatisfy { $0.body["stream"]?["finish"] == .bool(false) }, "only the last frame finishes")
                #expect(contents.last == question)
                // The same push again, then a later one (the fence): only the later is answered.
                try await fake.push(push)
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-F", msgid: "msg-f", text: "后来的问题", group: true))
                try await fake.waitFor("the later answer") {
                    fake.commands("aibot_respond_msg").contains { $0.reqID == "REQ-F" && $0.body["stream"]?["finish"] == .bool(true) }
                }
                #expect(fake.commands("aibot_respond_msg").filter { $0.reqID == "REQ-1" }.count == frames.count)
                #expect(fake.violations.isEmpty, "\(fake.violations)")
            }
        }
    }

    @Test("enter_chat is welcomed with welcome_text at once; after the stream window an answer goes as aibot_send_msg Markdown")
    func welcomeAndLateAnswer() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await Self.run(fake) { _ in
                try await fake.push([
                    "cmd": "aibot_event_callback", "headers": ["req_id": "REQ-E"],
                    "body": ["msgid": "ev-1", "create_time": .number(Date().timeIntervalSince1970.rounded()), "aibotid": .string(FakeWeComAIBotSocket.botID),
                             "chattype": "single", "from": ["userid": "zhangsan"], "msgtype": "event", "event": ["eventtype": "enter_chat"]],
                ])
                try await fake.waitFor("the welcome", timeout: .seconds(5)) { !fake.commands("aibot_respond_welcome_msg").isEmpty }
                let welcome = try #require(fake.commands("aibot_respond_welcome_msg").first)
                #expect(welcome.reqID == "REQ-E" && welcome.body["text"]?["content"] == "你好，我是 AI 助手")

                fake.expireStreams()
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-2", msgid: "msg-2", text: "迟到的问题"))
                try await fake.waitFor("the proactive message") { !fake.commands("aibot_send_msg").isEmpty }
                let sent = try #require(fake.commands("aibot_send_msg").first)
                #expect(sent.body["chatid"] == "zhangsan" && sent.body["chat_type"] == .number(1))
                #expect(sent.body["markdown"]?["content"] == "迟到的问题")
            }
        }
    }

    @Test("a WebSocket AI bot is a notify target: POST /notify sends aibot_send_msg Markdown to the target's chat over the socket")
    func notifyTarget() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            let yaml = Self.yaml(fake) + """

                notify: {token: notify-token-0123456789}
                targets: {team: {bot: aibot, chat: wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w}}
                """
            try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom]) { server in
                try await fake.waitFor("the subscription") { fake.isSubscribed && fake.openSockets == 1 }
                var headers: HTTPFields = [.contentType: "application/json"]
                headers[.authorization] = "Bearer notify-token-0123456789"
                let body = Data(#"{"markdown": "**部署完成** v1.2.3"}"#.utf8)
                let answer = try await server.send(OutboundRequest(method: .post, url: server.url + "/notify/team", headers: headers, body: body))
                #expect(answer.status == 200, "\(answer.body)")
                try await fake.waitFor("the proactive message") { !fake.commands("aibot_send_msg").isEmpty }
                let sent = try #require(fake.commands("aibot_send_msg").first)
                #expect(sent.body["chatid"] == "wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w" && sent.body["chat_type"] == .number(2))
                #expect(sent.body["msgtype"] == "markdown" && sent.body["markdown"]?["content"] == "**部署完成** v1.2.3")
            }
        }
    }

    @Test("a takeover (disconnected_event) stops the connection for good: one socket at most, no reconnect")
    func takeover() async throws {
        let logs = LogCapture()
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await Self.run(fake, logs: logs) { _ in
                try await fake.subscribeAsAnotherClient()
                try await fake.waitFor("our socket to close") { fake.openSockets == 0 }
                // The connection's loop says it ends, lets the lease go and returns: nothing after.
                try await waitUntil("the takeover said") { logs.messages.contains { $0.contains("(disconnected_event); not reconnecting") } }
                #expect(fake.connections == 2, "ours and the other client's; Switchboard must not reconnect")
                #expect(fake.commands("aibot_subscribe").count == 2)
                #expect(fake.mostOpenAtOnce <= 2)
            }
        }
    }

    @Test("two unanswered pings: the socket is dead, a new one is opened and subscribed (never two of ours at once), and a message on it is answered")
    func missedPongs() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await Self.run(fake, heartbeat: "300ms") { _ in
                let first = try #require(fake.commands("aibot_subscribe").first?.connection)
                fake.stopAnsweringPings()
                try await fake.waitFor("a new connection", timeout: .seconds(15)) {
                    fake.connections >= 2 && fake.openSockets == 1 && fake.isSubscribed && fake.commands("aibot_subscribe").contains { $0.connection != first }
                }
                // It gave up on the first after two pings went unanswered, not before.
                let unanswered = fake.commands("ping").filter { $0.connection == first }
                #expect(unanswered.count >= 2, "pings on the dead socket: \(unanswered.count)")
                #expect(fake.mostOpenAtOnce == 1)
                // The new socket works: a message is answered on it.
                let second = try #require(fake.commands("aibot_subscribe").last?.connection)
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-P", msgid: "msg-p", text: "换了连接之后"))
                try await fake.waitFor("the answer on the new socket") {
                    fake.commands("aibot_respond_msg").contains { $0.reqID == "REQ-P" && $0.connection == second && $0.body["stream"]?["finish"] == .bool(true) }
                }
                #expect(fake.commands("aibot_respond_msg").last?.body["stream"]?["content"] == "换了连接之后")
            }
        }
    }

    @Test("two replicas on one store: only the lease's holder connects; when it stops, the other takes the bot over — never two sockets, and a message is answered once")
    func oneReplicaHoldsTheBot() async throws {
        // Counts replica b's tries for the lease (refused while a holds it).
        let triesOfB = Counter()
        let store = FaultInjectingStateStore(base: InMemoryStateStore()) { call in
            if call.operation == .holdLease, call.owner?.contains("replica-b") == true { triesOfB.add() }
            return nil
        }
        try await FakeWeComAIBotSocket.withRunning { fake in
            let stopA = TestGate()
            let aRunning = TestGate()
            // 6 s: a holder in a test process starved by a full parallel run still renews in time.
            let yaml = Self.yaml(fake, leaseTTL: "6s")
            async let a: Void = RunningSwitchboard.run(yaml: yaml, plugins: [.weCom], store: store, replicaID: "replica-a") { _ in
                aRunning.open()
                await stopA.wait()
            }
            await aRunning.wait()
            try await fake.waitFor("replica a's subscription") { fake.openSockets == 1 && fake.isSubscribed }
            // However replica b's run ends, replica a is let go (or the test would wait for it for ever).
            defer { stopA.open() }
            try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom], store: store, replicaID: "replica-b") { _ in
                // Refused twice: it stands by.
                try await waitUntil("replica b's second try for the lease") { triesOfB.value >= 2 }
                #expect(fake.connections == 1, "the standing-by replica must not connect")
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-R", msgid: "msg-r", text: "谁来回答"))
                try await fake.waitFor("the answer") { fake.commands("aibot_respond_msg").last?.body["stream"]?["finish"] == .bool(true) }
                stopA.open()
                try await fake.waitFor("replica b's subscription", timeout: .seconds(15)) { fake.connections == 2 && fake.openSockets == 1 && fake.isSubscribed }
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-R2", msgid: "msg-r2", text: "第二个问题"))
                try await fake.waitFor("the second answer") { fake.commands("aibot_respond_msg").contains { $0.reqID == "REQ-R2" && $0.body["stream"]?["finish"] == .bool(true) } }
            }
            try await a
            #expect(fake.mostOpenAtOnce == 1)
            #expect(fake.commands("aibot_respond_msg").filter { $0.reqID == "REQ-R" && $0.body["stream"]?["finish"] == .bool(true) }.count == 1)
        }
    }
}

/// What the official SDKs show about the socket (platforms-3.md §7), against a fake that acks
/// after a real network's delay.
@Suite("WeCom AI bot long connection: acks over a real network", .timeLimit(.minutes(2)))
struct WeComAIBotSlowAckTests {
    @Test("an answer Dify streams for 12 s, with every command acked after ~200 ms: delivered whole and finished, Dify asked once, never two commands of one req_id in flight at once")
    func longAnswerWithSlowAcks() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            var steps: [FakeDifyStep] = []
            // Each piece outgrows the stream throttle's 40 bytes, so every one is an update.
            let pieces = (1...24).map { "第\($0)段：本周进展顺利，风险项已同步给负责人。" }
            // Uneven pauses, as a model's are: a command's 5 s ack timer then often falls while a
            // later command of the same req_id waits for its ack.
            var generator = SystemRandomNumberGenerator()
            for piece in pieces { steps += [events.message(piece), .pause(.milliseconds(Int.random(in: 250...750, using: &generator)))] }
            dify.enqueue(.stream(steps + [events.messageEnd()]))
            try await FakeWeComAIBotSocket.withRunning(weather: NetworkWeather(milliseconds: 150...250, seed: 29)) { fake in
                let yaml = """
                    backends: {dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "\(dify.apiKey)", app: chat}}
                    bots:
                      aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret),
                              ws_url: "\(fake.url)", update_interval: 300ms}
                    engine: {poll_interval: 50ms}
                    """
                try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom, .dify]) { _ in
                    try await fake.waitFor("the subscription") { fake.isSubscribed }
                    try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-LONG", msgid: "msg-long", text: "写一份很长的周报"))
                    try await fake.waitFor("the finished stream", timeout: .seconds(40)) {
                        fake.commands("aibot_respond_msg").contains { $0.body["stream"]?["finish"] == .bool(true) }
                    }
                    // The finishing frame's ack, before the server stops.
                    try await fake.waitFor("every command acked") { fake.pendingAcks == 0 }
                    let frames = fake.commands("aibot_respond_msg")
                    let finished = frames.filter { $0.body["stream"]?["finish"] == .bool(true) }
                    #expect(finished.count == 1)
                    #expect(finished.first?.body["stream"]?["content"] == .string(pieces.joined()))
                    #expect(frames.count >= 15, "the answer should grow over 12 s: \(frames.count) frames")
                    let span = (frames.last?.at ?? .now) - (frames.first?.at ?? .now)
                    #expect(span > .seconds(8), "the stream lasted \(span)")
                    #expect(fake.overlaps.isEmpty, "commands of one req_id sent before the last was acked: \(fake.overlaps)")
                    #expect(fake.violations.isEmpty, "\(fake.violations)")
                    #expect(fake.commands("aibot_send_msg").isEmpty, "no proactive message: the stream could carry the answer")
                    #expect(dify.calls.count == 1)
                }
            }
        }
    }
}

/// The socket's lease when the store misbehaves.
@Suite("WeCom AI bot long connection: the lease", .timeLimit(.minutes(2)))
struct WeComAIBotLeaseTests {
    @Test("a renewal that hangs on an unreachable store closes the socket within half the lease, not after it — another replica may hold the lease by then")
    func aHangingRenewalClosesTheSocketInTime() async throws {
        let store = FaultInjectingStateStore(base: InMemoryStateStore())
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await RunningSwitchboard.run(yaml: WeComAIBotSocketTests.yaml(fake, leaseTTL: "6s"), plugins: [.weCom], store: store) { _ in
                try await fake.waitFor("the subscription") { fake.isSubscribed && fake.openSockets == 1 }
                let hung = ContinuousClock.now
                store.setHanging([.holdLease])
                try await fake.waitFor("the socket to close", timeout: .seconds(10)) { fake.openSockets == 0 }
                let closedAfter = ContinuousClock.now - hung
                #expect(closedAfter < .seconds(5), "the socket stayed \(closedAfter) after the store stopped answering (lease 6 s)")
                store.setHanging([])
                try await fake.waitFor("the socket again", timeout: .seconds(20)) { fake.openSockets == 1 && fake.isSubscribed }
            }
        }
    }

    @Test("after a takeover by another client the replica lets the lease go, so a standing-by replica connects once that client is gone")
    func aTakeoverReleasesTheLease() async throws {
        let store = InMemoryStateStore()
        try await FakeWeComAIBotSocket.withRunning { fake in
            let yaml = WeComAIBotSocketTests.yaml(fake, leaseTTL: "6s")
            let stopA = TestGate()
            let aRunning = TestGate()
            async let a: Void = RunningSwitchboard.run(yaml: yaml, plugins: [.weCom], store: store, replicaID: "replica-a") { _ in
                aRunning.open()
                await stopA.wait()
            }
            await aRunning.wait()
            defer { stopA.open() }
            try await fake.waitFor("replica a's subscription") { fake.openSockets == 1 && fake.isSubscribed }
            try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom], store: store, replicaID: "replica-b") { _ in
                // Another program takes the bot over (and then goes away): a stops for good and lets
                // the lease go; b, standing by, takes it and connects.
                try await fake.subscribeAsAnotherClient()
                try await fake.waitFor("replica b's subscription", timeout: .seconds(20)) { fake.connections >= 3 && fake.openSockets == 1 && fake.isSubscribed }
            }
            stopA.open()
            try await a
        }
    }
}
