import Foundation
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardTesting
import Testing

/// The real binary on a long connection, killed with `kill -9` mid-answer: the next process opens
/// one new socket, finishes the answer once, and a redelivery after the restart is not answered.
/// SQLite state in the scratch folder, as a first-time user runs it.
@Suite("Long connections through kill -9 and reload", .timeLimit(.minutes(5)))
struct LongConnectionCrashTests {
    /// Four chunks, 1.2 s apart from the echo backend (the first update waits for 40 bytes, two
    /// chunks): the answer is far from finished when the first update has been seen.
    static let question = "请在周会开始前帮我整理上周三个风险项的处理进展，并提醒各位负责人在周五之前按时更新状态和计划"

    @Test("WeCom AI bot socket: killed mid-stream, the restarted process sends the answer once — as aibot_send_msg, since a req_id dies with its connection (846605); a redelivered push is not answered; one socket at a time")
    func weComAIBot() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            let directory = try scratchDirectory()
            // The lease of the killed process is taken over after lease_ttl; the job's after the engine's.
            try """
                engine: {lease_duration: 6s, poll_interval: 200ms}
                backends: {slow: {type: echo, delay_ms: 1200}}
                bots:
                  aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret),
                          ws_url: "\(fake.url)", update_interval: 300ms, lease_ttl: 3s}
                """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let environment = ["SWITCHBOARD_CONFIG": ""]
            let first = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
            _ = try await first.port()
            try await fake.waitFor("the first process's subscription", timeout: .seconds(30)) { fake.isSubscribed && fake.openSockets == 1 }

            let push = FakeWeComAIBotSocket.message(reqID: "REQ-K1", msgid: "msg-k1", text: Self.question)
            try await fake.push(push)
            try await fake.waitFor("the stream to start") { !fake.commands("aibot_respond_msg").isEmpty }
            try await first.kill9()
            #expect(!Self.finished(fake, "REQ-K1"), "the stream finished before the crash; the test proves nothing: \(fake.commands("aibot_respond_msg").map(\.body)) \(first.output)")
            try await fake.waitFor("the killed process's socket to close") { fake.openSockets == 0 }

            let second = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
            _ = try await second.port()
            // The new connection cannot carry the old push's stream (846605): the answer goes as a message.
            try await fake.waitFor("the answer, sent by the second process", timeout: .seconds(60)) { !fake.commands("aibot_send_msg").isEmpty }
            let sent = fake.commands("aibot_send_msg")
            #expect(sent.count == 1 && sent.first?.body["markdown"]?["content"]?.string == Self.question, "\(sent.map(\.body))")
            #expect(sent.first?.body["chatid"] == "zhangsan")

            // WeCom pushes the message again: not answered again. A later message bounds the wait.
            try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-K1-again", msgid: "msg-k1", text: Self.question))
            try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-K2", msgid: "msg-k2", text: "next"))
            try await fake.waitFor("the next answer", timeout: .seconds(30)) { Self.finished(fake, "REQ-K2") }
            #expect(fake.commands("aibot_respond_msg").filter { $0.reqID == "REQ-K1-again" }.isEmpty)
            #expect(fake.commands("aibot_send_msg").count == 1, "the killed answer is sent once")
            #expect(fake.violations.isEmpty, "\(fake.violations)")
            #expect(fake.mostOpenAtOnce == 1 && fake.connections == 2, "sockets: \(fake.connections) opened, \(fake.mostOpenAtOnce) at once")
            #expect(try await second.terminate() == 0)
            try await fake.waitFor("the socket to close on shutdown") { fake.openSockets == 0 }
        }
    }

    @Test("Feishu socket: acked once stored, killed mid-card, the restarted process finishes the same CardKit card with increasing sequences; a redelivered frame is acked, not answered; one socket at a time")
    func feishu() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeFeishuLongConnection.withRunning(api: api) { fake in
                let directory = try scratchDirectory()
                try """
                    engine: {lease_duration: 6s, poll_interval: 200ms}
                    backends: {slow: {type: echo, delay_ms: 1200}}
                    bots:
                      feishu-ws: {platform: feishu, intake: websocket, app_id: \(FakeFeishuOpenAPI.appID), app_secret: \(FakeFeishuOpenAPI.appSecret),
                                  bot_open_id: \(FakeFeishuOpenAPI.botOpenID), host: "\(fake.url)", update_interval: 200ms}
                    """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
                let environment = ["SWITCHBOARD_CONFIG": ""]
                let first = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
                _ = try await first.port()
                try await fake.waitFor("the socket and its first ping", timeout: .seconds(30)) { fake.openSockets == 1 && !fake.pings.isEmpty }

                let frame = FakeFeishuLongConnection.event(
                    seqID: 7, messageID: "frame-k1", payload: FakeFeishuLongConnection.message(eventID: "ev-k1", messageID: "om_k1", text: Self.question)
                )
                try await fake.push(frame)
                try await fake.waitFor("the ack") { fake.responses.count == 1 }
                try await api.waitFor("the card to start typing") { (api.cards.first?.contents.count ?? 0) >= 1 }
                try await first.kill9()
                #expect(api.cards.first?.streaming == true, "the card was closed before the crash; the test proves nothing")
                try await fake.waitFor("the killed process's socket to close") { fake.openSockets == 0 }

                let second = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
                _ = try await second.port()
                try await api.waitFor("the card, finished by the second process", timeout: .seconds(60)) { api.cards.first?.streaming == false }
                let card = try #require(api.cards.first)
                #expect(api.cards.count == 1 && api.sends.count == 1, "one card, sent once: \(api.cards.count) cards, \(api.sends.count) sends")
                #expect(card.content == Self.question)
                let sequences = card.contents.map(\.sequence) + card.settings.map(\.sequence)
                #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "sequences \(sequences)")
                #expect(card.refusals.isEmpty, "refused: \(card.refusals)")

                // Feishu pushes the event again on the new socket: acked, not answered.
                try await fake.push(frame)
                try await fake.waitFor("the redelivery's ack") { fake.responses.count == 2 }
                // The fence: a later message of the same chat, answered after anything queued before it.
                try await fake.push(FakeFeishuLongConnection.event(
                    seqID: 8, messageID: "frame-k2", payload: FakeFeishuLongConnection.message(eventID: "ev-k2", messageID: "om_k2", text: "之后的问题")
                ))
                try await api.waitFor("the later answer", timeout: .seconds(30)) { api.cards.count == 2 && api.cards[1].streaming == false }
                #expect(api.sends.count == 2 && api.cards[0].content == Self.question && api.cards[1].content == "之后的问题")
                #expect(fake.mostOpenAtOnce == 1 && fake.connections == 2, "sockets: \(fake.connections) opened, \(fake.mostOpenAtOnce) at once")
                #expect(try await second.terminate() == 0)
                try await fake.waitFor("the socket to close on shutdown") { fake.openSockets == 0 }
            }
        }
    }

    @Test("WeCom AI bot socket through a reload (SIGHUP): an unchanged bot keeps its socket; a changed one closes it before subscribing again, and answers once")
    func weComAIBotReload() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            let directory = try scratchDirectory()
            let file = directory.appendingPathComponent("switchboard.yaml")
            func write(updateInterval: String) throws {
                try """
                    backends: {echo: {type: echo}}
                    bots:
                      aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret),
                              ws_url: "\(fake.url)", update_interval: \(updateInterval), lease_ttl: 3s}
                    """.write(to: file, atomically: true, encoding: .utf8)
            }
            try write(updateInterval: "300ms")
            let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
            _ = try await server.port()
            try await fake.waitFor("the subscription", timeout: .seconds(30)) { fake.isSubscribed && fake.openSockets == 1 }

            server.send(SIGHUP)
            try await fake.waitFor("the unchanged reload", timeout: .seconds(30)) { server.output.contains("configuration reloaded") }
            // Answered on the first connection after the reload: it was kept.
            try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-R0", msgid: "msg-r0", text: "重新加载了吗"))
            try await fake.waitFor("the answer after the unchanged reload") { Self.finished(fake, "REQ-R0") }
            #expect(fake.connections == 1, "an unchanged bot keeps its connection")

            try write(updateInterval: "500ms")
            server.send(SIGHUP)
            try await fake.waitFor("the new subscription", timeout: .seconds(30)) { fake.connections == 2 && fake.isSubscribed && fake.openSockets == 1 }
            #expect(fake.mostOpenAtOnce == 1, "never two sockets for one bot")
            try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-R1", msgid: "msg-r1", text: "重新加载之后还在吗"))
            try await fake.waitFor("the answer") { Self.finished(fake, "REQ-R1") }
            #expect(fake.commands("aibot_respond_msg").filter { $0.reqID == "REQ-R1" && $0.body["stream"]?["finish"] == .bool(true) }.count == 1)
            #expect(try await server.terminate() == 0)
            try await fake.waitFor("the socket to close on shutdown") { fake.openSockets == 0 }
        }
    }

    static func finished(_ fake: FakeWeComAIBotSocket, _ reqID: String) -> Bool {
        fake.commands("aibot_respond_msg").contains { $0.reqID == reqID && $0.body["stream"]?["finish"] == .bool(true) }
    }
}
