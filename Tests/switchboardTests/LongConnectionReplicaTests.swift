import Foundation
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardPostgresSchemas
import SwitchboardTesting
import Testing

/// Two `switchboard serve` processes on one PostgreSQL database, each bot on a long connection:
/// the WeCom AI bot (one connection per bot) is held by exactly one replica and taken over when
/// that one is killed; a Feishu bot (up to 50 connections) has one socket per replica. Either
/// way, a message is answered once.
@Suite(
    "Long connections on several replicas (PostgreSQL)",
    .enabled(
        if: ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"].map { !$0.isEmpty } ?? false,
        "SWITCHBOARD_TEST_POSTGRES_URL is not set; run eval \"$(.ci/start-postgres)\" first (.ci/run does)"
    ),
    .timeLimit(.minutes(10))
)
struct LongConnectionReplicaTests {
    /// Five chunks 1.2 s apart: still being answered when its replica is killed.
    static let question = "请在周会开始前帮我整理上周三个风险项的处理进展，并提醒各位负责人在周五之前按时更新状态和计划"

    @Test("WeCom AI bot: only the lease holder subscribes; killed mid-answer, the other replica takes the socket and the job over and sends the answer once (as aibot_send_msg: the old req_id died with its connection)")
    func weComAIBotFailover() async throws {
        try await Self.withSchema { state in
            try await FakeWeComAIBotSocket.withRunning { fake in
                let directory = try Self.configure("""
                    \(state)
                    engine: {lease_duration: 6s, poll_interval: 200ms}
                    backends: {slow: {type: echo, delay_ms: 1200}}
                    bots:
                      aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret),
                              ws_url: "\(fake.url)", update_interval: 300ms, lease_ttl: 3s}
                    """)
                let a = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
                _ = try await a.port()
                try await fake.waitFor("replica a's subscription", timeout: .seconds(30)) { fake.isSubscribed && fake.openSockets == 1 }
                let b = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
                _ = try await b.port()
                // Refused the lease, it says so and stands by.
                try await fake.waitFor("replica b standing by", timeout: .seconds(30)) {
                    b.output.contains("another replica holds the WeCom AI bot's long connection; standing by")
                }
                #expect(fake.connections == 1, "the standing-by replica must not connect")

                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-F1", msgid: "msg-f1", text: Self.question))
                try await fake.waitFor("the stream to start") { !fake.commands("aibot_respond_msg").isEmpty }
                try await a.kill9()
                #expect(!Self.finished(fake, "REQ-F1"), "finished before the holder was killed; the test proves nothing")

                try await fake.waitFor("replica b's subscription", timeout: .seconds(30)) { fake.connections == 2 && fake.isSubscribed }
                try await fake.waitFor("the answer, sent by replica b", timeout: .seconds(60)) { !fake.commands("aibot_send_msg").isEmpty }
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-F2", msgid: "msg-f2", text: "还在吗"))
                try await fake.waitFor("the next answer") { Self.finished(fake, "REQ-F2") }
                let sent = fake.commands("aibot_send_msg")
                #expect(sent.count == 1 && sent.first?.body["markdown"]?["content"]?.string == Self.question, "\(sent.map(\.body))")
                #expect(fake.violations.isEmpty, "\(fake.violations)")
                #expect(fake.mostOpenAtOnce == 1, "two sockets for one AI bot at once")
                #expect(try await b.terminate() == 0)
            }
        }
    }

    @Test("Feishu: each replica holds its own socket; an event that reaches both (a redelivery to the other client) is acked by both and answered once")
    func feishuOneSocketPerReplica() async throws {
        try await Self.withSchema { state in
            try await FakeFeishuOpenAPI.withRunning { api in
                try await FakeFeishuLongConnection.withRunning(api: api) { fake in
                    let directory = try Self.configure("""
                        \(state)
                        engine: {poll_interval: 100ms}
                        backends: {main: {type: echo, delay_ms: 100}}
                        bots:
                          feishu-ws: {platform: feishu, intake: websocket, app_id: \(FakeFeishuOpenAPI.appID), app_secret: \(FakeFeishuOpenAPI.appSecret),
                                      bot_open_id: \(FakeFeishuOpenAPI.botOpenID), host: "\(fake.url)", update_interval: 200ms}
                        """)
                    let replicas = try (0..<2).map { _ in try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""]) }
                    for replica in replicas { _ = try await replica.port() }
                    try await fake.waitFor("a socket per replica", timeout: .seconds(30)) { fake.openSockets == 2 && fake.pings.count >= 2 }

                    for index in 1...5 {
                        let frame = FakeFeishuLongConnection.event(
                            seqID: UInt64(index), messageID: "frame-r\(index)",
                            payload: FakeFeishuLongConnection.message(eventID: "ev-r\(index)", messageID: "om_r\(index)", text: "第\(index)个问题")
                        )
                        try await fake.pushToEvery(frame)
                    }
                    try await fake.waitFor("every frame acked on both sockets") { fake.responses.count == 10 }
                    try await api.waitFor("five answers") { api.cards.filter { !$0.streaming }.count == 5 }
                    // The fence: a sixth question in the same chat, answered after the five.
                    try await fake.pushToEvery(FakeFeishuLongConnection.event(
                        seqID: 6, messageID: "frame-r6", payload: FakeFeishuLongConnection.message(eventID: "ev-r6", messageID: "om_r6", text: "第6个问题")
                    ))
                    try await api.waitFor("the sixth answer") { api.cards.filter { !$0.streaming }.count == 6 }
                    #expect(api.sends.count == 6 && api.cards.count == 6, "\(api.sends.count) sends, \(api.cards.count) cards")
                    #expect(Set(api.sends.compactMap { $0.path.split(separator: "/").dropLast().last.map(String.init) }) == Set((1...6).map { "om_r\($0)" }))
                    #expect(fake.connections == 2 && fake.mostOpenAtOnce == 2)
                    for replica in replicas { #expect(try await replica.terminate() == 0) }
                    try await fake.waitFor("both sockets to close on shutdown") { fake.openSockets == 0 }
                }
            }
        }
    }

    static func finished(_ fake: FakeWeComAIBotSocket, _ reqID: String) -> Bool {
        fake.commands("aibot_respond_msg").contains { $0.reqID == reqID && $0.body["stream"]?["finish"] == .bool(true) }
    }

    static func configure(_ yaml: String) throws -> URL {
        let directory = try scratchDirectory()
        try yaml.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// `state: {postgres: …, schema: …}` for a fresh schema, dropped afterwards.
    static func withSchema(_ body: (String) async throws -> Void) async throws {
        let url = try #require(FreshSchema.url)
        try await FreshSchema.with(prefix: "lc", url: url) { schema in try await body(#"state: {postgres: "\#(url)", schema: \#(schema)}"#) }
    }
}
