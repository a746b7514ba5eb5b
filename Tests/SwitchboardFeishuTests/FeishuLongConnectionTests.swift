import Foundation
import SwitchboardCore
import SwitchboardPlatformFakes
@testable import SwitchboardFeishu
import SwitchboardTesting
import Testing

/// `intake: websocket`: the real server with a Feishu bot on a long connection to a fake Feishu
/// (endpoint, socket of protobuf frames, Open API), all over the network.
@Suite("Feishu long connection", .timeLimit(.minutes(5)))
struct FeishuLongConnectionTests {
    static func yaml(_ fake: FakeFeishuLongConnection) -> String {
        """
        bots:
          feishu-ws:
            platform: feishu
            intake: websocket
            app_id: \(FakeFeishuOpenAPI.appID)
            app_secret: \(FakeFeishuOpenAPI.appSecret)
            bot_open_id: \(FakeFeishuOpenAPI.botOpenID)
            host: "\(fake.url)"
            update_interval: 200ms
        engine: {poll_interval: 50ms}
        """
    }

    static func withServer(_ body: (FakeFeishuOpenAPI, FakeFeishuLongConnection, RunningSwitchboard) async throws -> Void, store: (any StateStore)? = nil) async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeFeishuLongConnection.withRunning(api: api) { fake in
                try await RunningSwitchboard.run(yaml: yaml(fake), plugins: [.feishu], store: store) { server in
                    try await fake.waitFor("the socket and its first ping") { fake.openSockets == 1 && !fake.pings.isEmpty }
                    try await body(api, fake, server)
                }
                try await fake.waitFor("the socket to close on shutdown") { fake.openSockets == 0 }
            }
        }
    }

    @Test("pinged at once; an event is stored, then acked with its own ids and biz_rt; answered once; a redelivery is acked, not answered; a split event is answered once; a card frame gets no answer")
    func events() async throws {
        try await Self.withServer { api, fake, _ in
            try await fake.waitFor("the first ping") { !fake.pings.isEmpty }
            let ping = try #require(fake.pings.first)
            #expect(ping.service == FakeFeishuLongConnection.service && ping.seqID == 0 && ping.logID == 0)

            let first = FakeFeishuLongConnection.event(seqID: 5, messageID: "frame-1", payload: FakeFeishuLongConnection.message(eventID: "ev-1", messageID: "om_ws_1", text: "在吗"))
            try await fake.push(first)
            try await fake.waitFor("the ack") { fake.responses.count == 1 }
            let ack = try #require(fake.responses.first)
            #expect(ack.seqID == 5 && ack.logID == 105 && ack.service == FakeFeishuLongConnection.service)
            #expect(Array(ack.headers.dropLast().map(\.0)) == first.headers.map(\.0))
            #expect(ack.headers.last?.0 == "biz_rt" && Int(ack.headers.last?.1 ?? "") != nil)
            #expect(ack.payload == Data(#"{"code": 200}"#.utf8))
            try await api.waitFor("the answer, typed into a CardKit card") { api.cards.first?.content?.contains("在吗") == true && api.cards.first?.streaming == false }
            #expect(api.sends.count == 1)

            // Feishu pushes it again (the ack was late): acked again, not answered again.
            try await fake.push(first)
            try await fake.waitFor("the second ack") { fake.responses.count == 2 }

            // Split in two, the second fragment first: one ack, one answer — the whole question's.
            let whole = FakeFeishuLongConnection.message(eventID: "ev-2", messageID: "om_ws_2", text: "分成两片的问题")
            let cut = whole.count / 2
            try await fake.push(FakeFeishuLongConnection.event(seqID: 8, messageID: "frame-2", payload: whole.suffix(from: cut), seq: 1, sum: 2))
            try await fake.push(FakeFeishuLongConnection.event(seqID: 9, messageID: "frame-2", payload: whole.prefix(cut), seq: 0, sum: 2))
            try await fake.waitFor("the ack of the whole") { fake.responses.count == 3 }
            #expect(fake.responses.last?.seqID == 9 && fake.responses.last?.header("seq") == "0")
            do {
                try await api.waitFor("the second answer, finished") { api.cards.count == 2 && api.cards[1].streaming == false }
            } catch {
                Issue.record("cards: \(api.cards.map { ($0.content ?? "-", $0.streaming) }) sends: \(api.sends.count) acks: \(fake.responses.map(\.seqID))")
                throw error
            }
            #expect(api.cards[1].content?.contains("分成两片的问题") == true, "\(api.cards[1].content ?? "")")
            // The redelivery of the first came before the split question, whose answer is in:
            // had it been answered again, that would be there by now.
            #expect(api.sends.count == 2)

            // The legacy card callback is never answered; the event after it is (the fence).
            var card = FakeFeishuLongConnection.event(seqID: 12, messageID: "frame-3", payload: Data(#"{"open_id":"ou_x"}"#.utf8))
            card.headers[0] = ("type", "card")
            try await fake.push(card)
            try await fake.push(FakeFeishuLongConnection.event(seqID: 13, messageID: "frame-4", payload: FakeFeishuLongConnection.message(eventID: "ev-4", messageID: "om_ws_4", text: "之后")))
            try await fake.waitFor("the ack of the event after the card") { fake.responses.contains { $0.seqID == 13 } }
            #expect(!fake.responses.contains { $0.seqID == 12 })
            #expect(fake.responses.count == 4)
            #expect(fake.mostOpenAtOnce == 1)
        }
    }

    @Test("a dropped socket is replaced through a new endpoint call — never two open at once — and events on the new one are answered")
    func reconnects() async throws {
        try await Self.withServer { api, fake, _ in
            try await fake.dropNewest()
            try await fake.waitFor("the new socket") { fake.connections == 2 && fake.openSockets == 1 }
            #expect(fake.endpointCalls == 2)
            try await fake.push(FakeFeishuLongConnection.event(seqID: 1, messageID: "frame-r", payload: FakeFeishuLongConnection.message(eventID: "ev-r", messageID: "om_ws_r", text: "重连之后")))
            try await api.waitFor("the answer") { api.sends.count == 1 }
            try await fake.dropNewest()
            try await fake.waitFor("the third socket") { fake.connections == 3 && fake.openSockets == 1 }
            #expect(fake.mostOpenAtOnce == 1)
        }
    }

    @Test("a pong's ClientConfig is applied: PingInterval 1 ▸ a ping every second")
    func pongConfig() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeFeishuLongConnection.withRunning(api: api) { fake in
                fake.answerPongs(with: #"{"PingInterval":1}"#)
                try await RunningSwitchboard.run(yaml: Self.yaml(fake), plugins: [.feishu]) { _ in
                    try await fake.waitFor("three pings", timeout: .seconds(10)) { fake.pings.count >= 3 }
                }
            }
        }
    }

    @Test("client errors stop for good — bad credentials at the endpoint, the 50-connection limit or a forbidden app in the refused upgrade's own handshake headers — while a busy endpoint, an endpoint answer that is not JSON, other refusals and a refusal without handshake headers (a proxy's 403) are retried; the spent ticket is never asked again", arguments: [
        (FakeFeishuLongConnection.Refusal.endpoint(code: 10003), false),
        (.handshake(status: 514, authCode: 1_000_040_350), false),
        (.handshake(status: 403, authCode: nil), false),
        (.endpoint(code: 1), true),
        (.endpointNotJSON, true),
        (.handshake(status: 514, authCode: 1_000_040_351), true),
        (.handshake(status: 500, authCode: nil), true),
        (.proxy(status: 403), true),
        (.proxy(status: 502), true),
    ])
    func refusals(refusal: FakeFeishuLongConnection.Refusal, retried: Bool) async throws {
        let logs = LogCapture()
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeFeishuLongConnection.withRunning(api: api) { fake in
                if !retried { fake.refuse(refusal) }
                try await RunningSwitchboard.run(yaml: Self.yaml(fake), plugins: [.feishu], logs: logs) { _ in
                    if retried {
                        // Connected first (the endpoint's ClientConfig says: reconnect at once, then
                        // every second), then refused.
                        // Once the client pings, it reads the socket: a close is seen (one sent in the
                        // upgrade's first instant could be missed, and only the TCP close ends it).
                        try await fake.waitFor("the first ping") { fake.openSockets == 1 && !fake.pings.isEmpty }
                        fake.refuse(refusal)
                        try await fake.dropNewest()
                        try await fake.waitFor("two retries", timeout: .seconds(10)) { fake.endpointCalls >= 3 }
                        fake.refuse(nil)
                        try await fake.waitFor("the socket again", timeout: .seconds(10)) { fake.openSockets == 1 }
                        #expect(fake.mostOpenAtOnce == 1)
                    } else {
                        // The connection's loop says it stops, and returns: nothing after.
                        try await waitUntil("the stop said") { logs.messages.contains { $0.hasSuffix("; not reconnecting") } }
                        #expect(fake.endpointCalls == 1, "a client error must not be retried")
                        #expect(fake.connections == 0)
                    }
                    #expect(fake.spentTickets.isEmpty, "a one-time URL was asked again: \(fake.spentTickets)")
                }
            }
        }
    }

    @Test("ReconnectCount counts the tries of one reconnect loop: sessions that come up and are later lost (the TCP connection cut, no close frame) never use it up")
    func reconnectCountStartsOverOnceUp() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeFeishuLongConnection.withRunning(api: api) { fake in
                // Two tries per loop, one second apart, no random wait.
                fake.state.withLock { $0.clientConfig = #"{"ReconnectCount":2,"ReconnectInterval":1,"ReconnectNonce":0,"PingInterval":120}"# }
                try await RunningSwitchboard.run(yaml: Self.yaml(fake), plugins: [.feishu]) { _ in
                    for session in 1...4 {
                        try await fake.waitFor("session \(session)", timeout: .seconds(10)) { fake.connections == session && fake.openSockets == 1 && fake.pings.count >= session }
                        try await fake.cutNewest()
                    }
                    try await fake.waitFor("a fifth session", timeout: .seconds(10)) { fake.connections == 5 && fake.openSockets == 1 }
                    #expect(fake.mostOpenAtOnce == 1)
                }
            }
        }
    }

    @Test("an event that cannot be stored is not acked; pushed again once the store is back, it is acked and answered once")
    func notStoredNotAcked() async throws {
        let store = FaultInjectingStateStore(base: InMemoryStateStore())
        try await Self.withServer({ api, fake, _ in
            let enqueues = Counter()
            store.setRule { call in
                guard call.operation == .enqueue else { return nil }
                enqueues.add()
                return FaultInjectingStateStore.Unavailable()
            }
            let frame = FakeFeishuLongConnection.event(seqID: 3, messageID: "frame-s", payload: FakeFeishuLongConnection.message(eventID: "ev-s", messageID: "om_ws_s", text: "存不下"))
            try await fake.push(frame)
            // Refused by the store (the fault rule was asked), then not acked.
            try await waitUntil("the refused store write") { enqueues.value >= 1 }
            #expect(fake.responses.isEmpty)
            store.setRule { _ in nil }
            try await fake.push(frame)
            try await fake.waitFor("the ack") { fake.responses.count == 1 }
            try await api.waitFor("the answer") { api.sends.count == 1 }
            // One ack in all: the refused first push was never acked.
            #expect(fake.responses.count == 1)
        }, store: store)
    }
}

@Suite("Feishu fragments", .timeLimit(.minutes(5)))
struct FeishuFragmentBoundTests {
    @Test("partial messages together hold at most maxBytes: a fragment past the bound drops its message; completed and expired ones free their bytes")
    func partialsAreBounded() {
        var fragments = FeishuFragments(expiry: .seconds(10), maxBytes: 1000)
        let start = ContinuousClock.now
        let chunk = Data(repeating: 0x61, count: 400)
        #expect(fragments.add(messageID: "a", seq: 0, sum: 3, payload: chunk, now: start) == .waiting)
        #expect(fragments.add(messageID: "b", seq: 0, sum: 3, payload: chunk, now: start) == .waiting)
        #expect(fragments.heldBytes == 800)
        if case .invalid = fragments.add(messageID: "c", seq: 0, sum: 2, payload: chunk, now: start) {} else { Issue.record("past the bound, yet kept") }
        #expect(fragments.heldBytes == 800 && fragments.pending == 2)
        #expect(fragments.add(messageID: "a", seq: 1, sum: 3, payload: Data("x".utf8), now: start) == .waiting)
        #expect(fragments.add(messageID: "a", seq: 2, sum: 3, payload: Data("y".utf8), now: start) == .complete(chunk + Data("xy".utf8)))
        #expect(fragments.heldBytes == 400 && fragments.pending == 1)
        // b's last fragment came long ago: expired with the next arrival, its bytes freed.
        #expect(fragments.add(messageID: "d", seq: 0, sum: 2, payload: chunk, now: start + .seconds(11)) == .waiting)
        #expect(fragments.heldBytes == 400 && fragments.pending == 1)
    }
}
