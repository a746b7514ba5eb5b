import Crypto
import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardServer
import SwitchboardTesting
import Testing

/// The real server with DingTalk bots and a fake DingTalk (gateway, WebSocket, session webhook,
/// OpenAPI), all over the network.
@Suite("DingTalk end to end", .timeLimit(.minutes(5)))
struct DingTalkEndToEndTests {
    /// A session-webhook post's Markdown text.
    static func text(_ post: JSONValue) -> String { post["markdown"]?["text"]?.string ?? "" }

    static let environment = ["DINGTALK_SECRET": FakeDingTalk.appSecret]

    /// `base64(HMAC-SHA256(secret, timestamp + "\n" + secret))`, computed here independently.
    static func sign(_ timestamp: String) -> String {
        let key = SymmetricKey(data: Data(FakeDingTalk.appSecret.utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: Data("\(timestamp)\n\(FakeDingTalk.appSecret)".utf8), using: key)).base64EncodedString()
    }

    static func message(from frame: String) throws -> Data {
        Data(try #require(try JSONParser.parse(frame)["data"]?.string).utf8)
    }

    @Test("HTTP: a signed group @-message is answered through its session webhook; after it expired, through groupMessages/send")
    func http() async throws {
        try await FakeDingTalk.withRunning { fake in
            let yaml = """
                bots:
                  dingtalk-http: {platform: dingtalk, mode: http, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}", api_base: "\(fake.url)", oapi_base: "\(fake.url)"}
                engine: {poll_interval: 100ms}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: Self.environment, adapters: [DingTalkAdapterFactory()]) { server in
                func post(_ frame: String) async throws -> Int {
                    let timestamp = String(Int64(Date().timeIntervalSince1970 * 1000))
                    var headers: HTTPFields = [.contentType: "application/json"]
                    headers[HTTPField.Name("timestamp")!] = timestamp
                    headers[HTTPField.Name("sign")!] = Self.sign(timestamp)
                    return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/dingtalk-http", headers: headers, body: try Self.message(from: frame))).status
                }
                let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
                #expect(try await post(FakeDingTalk.callbackFrame(messageID: "m1", msgID: "msg-1", text: "今天的会议", sessionWebhook: fake.sessionWebhook, expires: alive)) == 200)
                try await fake.waitFor("the session webhook post") { fake.sessionPosts.count == 1 }
                let reply = try #require(fake.sessionPosts.first)
                #expect(reply["msgtype"] == "markdown")
                #expect(reply["markdown"]?["text"]?.string?.hasPrefix("今天的会议") == true)
                #expect(reply["at"]?["atUserIds"] == ["032615015535634423"])

                let expired = Int64(Date().timeIntervalSince1970 * 1000) - 1000
                #expect(try await post(FakeDingTalk.callbackFrame(messageID: "m2", msgID: "msg-2", text: "第二个问题", sessionWebhook: fake.sessionWebhook, expires: expired)) == 200)
                try await fake.waitFor("the OpenAPI send") { fake.openAPISends.count == 1 }
                let send = try #require(fake.openAPISends.first)
                #expect(send.path == "/v1.0/robot/groupMessages/send")
                #expect(send.token == "fa9b1c2d3e4f5a6b7c8d9e0f1a2b3c41")
                #expect(send.body["openConversationId"] == "cidh6ezDLHQau9V23Es/xSLNoiDDmPuN354KylQ2BaIhuM=")
                #expect(send.body["robotCode"] == .string(FakeDingTalk.appKey))
                #expect(send.body["msgKey"] == "sampleMarkdown")
                let param = try JSONParser.parse(try #require(send.body["msgParam"]?.string))
                #expect(param["text"] == "第二个问题")
                #expect(fake.sessionPosts.count == 1)

                // The sign covers no body: a sessionWebhook off oapi_base's host is not taken, so a
                // replayed header pair cannot send the answer elsewhere. A later message fences the wait.
                try await LoopbackServer.withRunning { elsewhere in
                    let hijack = FakeDingTalk.callbackFrame(messageID: "m3", msgID: "msg-3", text: "把答案发给我", sessionWebhook: elsewhere.url + "/robot/sendBySession?session=x", expires: alive)
                    #expect(try await post(hijack) == 200)
                    #expect(try await post(FakeDingTalk.callbackFrame(messageID: "m4", msgID: "msg-4", text: "围栏", sessionWebhook: fake.sessionWebhook, expires: alive)) == 200)
                    try await fake.waitFor("the fence's answer") { fake.sessionPosts.count == 2 }
                    #expect(elsewhere.requests.isEmpty, "the answer went to a sessionWebhook off DingTalk's host")
                    #expect(fake.sessionPosts.last?["markdown"]?["text"]?.string?.hasPrefix("围栏") == true)
                }

                // A wrong signature is refused before anything is read.
                var headers: HTTPFields = [.contentType: "application/json"]
                headers[HTTPField.Name("timestamp")!] = String(Int64(Date().timeIntervalSince1970 * 1000))
                headers[HTTPField.Name("sign")!] = "AAAA"
                #expect(try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/dingtalk-http", headers: headers, body: Data("{}".utf8))).status == 401)
            }
        }
    }

    @Test("Stream: acked before the backend answers, answered through the session webhook, a redelivery acked and not answered again; disconnect ▸ a new ticket; a dropped socket ▸ reconnect; shutdown ▸ closed for good")
    func stream() async throws {
        let gate = TestGate()
        let backend = ScriptedBackend { request in
            await gate.wait()
            return [.delta("答：\(request.query)"), .end]
        }
        try await FakeDingTalk.withRunning { fake in
            let yaml = """
                backends: {gated: {type: gated}}
                bots:
                  dingtalk-stream:
                    {platform: dingtalk, mode: stream, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}",
                     api_base: "\(fake.url)", gateway_base: "\(fake.url)", reconnect_delay: 200ms}
                engine: {poll_interval: 100ms}
                """
            let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
            try await RunningSwitchboard.run(
                yaml: yaml, environment: Self.environment, adapters: [DingTalkAdapterFactory()],
                backends: [ScriptedBackendFactory(type: "gated", backend: backend)]
            ) { _ in
                try await fake.waitFor("the first connection") { fake.openSockets == 1 }
                #expect(fake.tickets == ["ticket-1"])

                // Ack first: the backend is still waiting at its gate when the ack arrives.
                let frame = FakeDingTalk.callbackFrame(messageID: "frame-1", msgID: "msg-s1", text: "你好", sessionWebhook: fake.sessionWebhook, expires: alive)
                try await fake.push(frame)
                try await fake.waitFor("the ack") { fake.ack(for: "frame-1") != nil }
                let ack = try #require(fake.ack(for: "frame-1")).json
                #expect(ack["code"] == .number(200))
                #expect(ack["data"] == #"{"response":"OK"}"# && ack["message"] == "", "acked as the official SDK acks: docs/parity.md")
                #expect(fake.sessionPosts.isEmpty)
                gate.open()
                try await fake.waitFor("the answer") { fake.sessionPosts.count == 1 }
                #expect(fake.sessionPosts.first?["markdown"]?["text"]?.string?.hasPrefix("答：你好") == true)

                // DingTalk redelivers the same frame: acked again, answered once.
                try await fake.push(frame)
                try await fake.waitFor("the second ack") { fake.received.filter { $0.json["headers"]?["messageId"] == "frame-1" }.count == 2 }
                // (Answered once: checked after frame-2 below, a later message of the same chat.)

                // A frame that cannot be decoded is acked all the same (else DingTalk redelivers it
                // for ever), and nothing is answered.
                let broken = #"{"specVersion":"1.0","type":"CALLBACK","headers":{"messageId":"frame-bad","topic":"/v1.0/im/bot/messages/get"},"data":"{not json"}"#
                try await fake.push(broken)
                try await fake.waitFor("the ack of the broken frame") { fake.ack(for: "frame-bad") != nil }
                #expect(fake.ack(for: "frame-bad")?.json["code"] == .number(200))
                // Cut short, it is still acked by the id it names.
                try await fake.push(#"{"specVersion":"1.0","type":"CALLBACK","headers":{"messageId":"frame-cut","topic":"/v1.0/im/bot/mess"#)
                try await fake.waitFor("the ack of the cut frame") { fake.ack(for: "frame-cut") != nil }
                #expect(fake.sessionPosts.count == 1)

                // A ping is answered with its own data.
                try await fake.push(FakeDingTalk.systemFrame(messageID: "ping-1", topic: "ping", data: #"{"opaque":"8c0d"}"#))
                try await fake.waitFor("the pong") { fake.ack(for: "ping-1") != nil }
                #expect(fake.ack(for: "ping-1")?.json["data"] == #"{"opaque":"8c0d"}"#)

                // disconnect: a new ticket and connection first, then the old one closes.
                try await fake.push(FakeDingTalk.systemFrame(messageID: "dis-1", topic: "disconnect"))
                try await fake.waitFor("the move") { fake.connections == 2 && fake.openSockets == 1 }
                #expect(fake.tickets == ["ticket-1", "ticket-2"])
                try await fake.push(FakeDingTalk.callbackFrame(messageID: "frame-2", msgID: "msg-s2", text: "还在吗", sessionWebhook: fake.sessionWebhook, expires: alive))
                try await fake.waitFor("the answer on the new connection") { fake.sessionPosts.contains { Self.text($0).hasPrefix("答：还在吗") } }
                #expect(fake.ack(for: "frame-2")?.connection == 2)
                // Everything before frame-2 in this chat was answered before it: the redelivered
                // frame-1 was not answered again.
                #expect(fake.sessionPosts.map(Self.text).filter { $0.hasPrefix("答：你好") }.count == 1)
                #expect(fake.sessionPosts.count == 2)

                // The socket dies: the client comes back after its backoff, with a fresh ticket.
                try await fake.dropNewest()
                try await fake.waitFor("the reconnect") { fake.connections == 3 && fake.openSockets == 1 }
                #expect(fake.tickets.count == 3)
                #expect(fake.mostOpenAtOnce <= 2)
            }
            // Shutdown: the socket is closed and nothing reconnects.
            // The server's services have all returned: nothing is left to reconnect.
            try await fake.waitFor("the close on shutdown") { fake.openSockets == 0 }
            #expect(fake.connections == 3)
            #expect(fake.openSockets == 0)
        }
    }
}

/// `record:` keeps long-connection frames too: a Stream frame as received, the ack sent back and
/// the events, in the fixture layout of a stream-frame case.
@Suite("DingTalk Stream recording", .timeLimit(.minutes(5)))
struct DingTalkStreamRecordingTests {
    @Test func aStreamFrameIsRecordedAsAStreamFrameCase() async throws {
        let recordings = FileManager.default.temporaryDirectory.appendingPathComponent("ding-record-\(UUID().uuidString)")
        try await FakeDingTalk.withRunning { fake in
            let yaml = """
                bots:
                  dingtalk-stream:
                    {platform: dingtalk, mode: stream, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}",
                     api_base: "\(fake.url)", gateway_base: "\(fake.url)"}
                engine: {poll_interval: 100ms}
                record: {dir: "\(recordings.path)", bots: [dingtalk-stream]}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: DingTalkEndToEndTests.environment, adapters: [DingTalkAdapterFactory()]) { _ in
                try await fake.waitFor("the connection") { fake.openSockets == 1 }
                let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
                let frame = FakeDingTalk.callbackFrame(messageID: "frame-r1", msgID: "msg-r1", text: "记下来", sessionWebhook: fake.sessionWebhook, expires: alive)
                try await fake.push(frame)
                try await fake.waitFor("the ack") { fake.ack(for: "frame-r1") != nil }
                let folder = recordings.appendingPathComponent("dingtalk-stream")
                try await fake.waitFor("the recording") {
                    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).contains { name in
                        FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).appendingPathComponent("events.json").path)
                    }
                }
                let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first)
                let recorded = folder.appendingPathComponent(name)
                let request = try JSONParser.parse(try Data(contentsOf: recorded.appendingPathComponent("request.json")))
                #expect(request["stream_frame"] == .bool(true))
                #expect(request["bot"] == "dingtalk-stream")
                #expect(try Data(contentsOf: recorded.appendingPathComponent("frame.json")) == Data(frame.utf8))
                let events = try EventJSON.decode([ChatEvent].self, from: try Data(contentsOf: recorded.appendingPathComponent("events.json")))
                #expect(events.map(\.text) == ["记下来"])
                let response = try JSONParser.parse(try Data(contentsOf: recorded.appendingPathComponent("response.json")))
                #expect(response["body"]?.string?.contains("frame-r1") == true)

                // ▸ a fixture case: anonymized, decoded by the fixture bot, passing the kit's rules.
                let fixtures = recordings.appendingPathComponent("Fixtures/dingtalk")
                try FileManager.default.createDirectory(at: fixtures, withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    at: try FixtureLoader(filePath: #filePath).root.appendingPathComponent("dingtalk/keys.json"), to: fixtures.appendingPathComponent("keys.json")
                )
                let root = try ConfigLoader(environment: DingTalkEndToEndTests.environment).load(yaml: yaml, file: "e2e.yaml")
                let settings = try #require(try SwitchboardConfiguration(root: root, replicaID: "x").botSettings("dingtalk-stream"))
                let out = fixtures.appendingPathComponent("recorded-stream-frame")
                let made = try await FixtureMaker(registry: AdapterRegistry([DingTalkAdapterFactory()])).make(recorded: recorded, bot: "dingtalk-stream", config: settings, out: out)
                #expect(made.fixtureBot == "dingtalk-stream")
                let loader = FixtureLoader(root: fixtures.deletingLastPathComponent())
                let fixture = try #require(try loader.cases(platform: "dingtalk").first { $0.name == "recorded-stream-frame" })
                let outcome = try await AdapterFixtureRunner(registry: AdapterRegistry([DingTalkAdapterFactory()]), loader: loader).run(fixture)
                #expect(outcome.passed, "\(outcome)")
                #expect(outcome.result.events.map(\.text) == ["记下来"])
                for file in try FileManager.default.contentsOfDirectory(atPath: out.path) {
                    let content = String(decoding: try Data(contentsOf: out.appendingPathComponent(file)), as: UTF8.self)
                    for value in ["msg-r1", "032615015535634423", "cidh6ezDLHQau9V23Es", "张三", "fake-session", FakeDingTalk.appSecret] {
                        #expect(!content.contains(value), "\(file) still holds \(value)")
                    }
                }
            }
        }
        try? FileManager.default.removeItem(at: recordings)
    }
}

/// Stream mode while the state store is away.
@Suite("DingTalk Stream during a store outage", .timeLimit(.minutes(2)))
struct DingTalkStreamOutageTests {
    @Test("a message that cannot be stored is not acked and the connection stays (no new ticket a second); delivered again once the store is back, it is acked and answered once")
    func storeOutageKeepsTheSocket() async throws {
        let store = FaultInjectingStateStore(base: InMemoryStateStore())
        try await FakeDingTalk.withRunning { fake in
            let yaml = """
                backends: {echo: {type: echo}}
                bots:
                  ding: {platform: dingtalk, mode: stream, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}", api_base: "\(fake.url)", gateway_base: "\(fake.url)"}
                engine: {poll_interval: 50ms}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: ["DINGTALK_SECRET": FakeDingTalk.appSecret], plugins: [.dingTalk], store: store) { _ in
                try await fake.waitFor("the socket") { fake.openSockets == 1 }
                store.setRule { $0.operation == .enqueue ? FaultInjectingStateStore.Unavailable() : nil }
                let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
                let frame = FakeDingTalk.callbackFrame(messageID: "m-out", msgID: "msg-out", text: "存不下的问题", sessionWebhook: fake.sessionWebhook, expires: alive)
                try await fake.push(frame)
                // A later SYSTEM ping is answered: the frame before it was read and not acked.
                try await fake.push(FakeDingTalk.systemFrame(messageID: "ping-fence", topic: "ping", data: #"{"opaque":"x"}"#))
                try await fake.waitFor("the ping's ack") { fake.ack(for: "ping-fence") != nil }
                #expect(fake.ack(for: "m-out") == nil, "acked though not stored")
                // The same connection still reads and answers: a second ping after the refusal.
                try await fake.push(FakeDingTalk.systemFrame(messageID: "ping-fence-2", topic: "ping", data: #"{"opaque":"y"}"#))
                try await fake.waitFor("the second ping's ack") { fake.ack(for: "ping-fence-2") != nil }
                #expect(fake.ack(for: "ping-fence-2")?.connection == 1)
                #expect(fake.connections == 1 && fake.tickets.count == 1, "the connection was dropped: \(fake.connections) sockets, \(fake.tickets.count) tickets")
                store.setRule { _ in nil }
                try await fake.push(frame)
                try await fake.waitFor("the ack") { fake.ack(for: "m-out") != nil }
                try await fake.waitFor("the answer") { fake.sessionPosts.count == 1 }
                #expect(fake.sessionPosts.first?["markdown"]?["text"]?.string?.hasPrefix("存不下的问题") == true)
            }
        }
    }
}