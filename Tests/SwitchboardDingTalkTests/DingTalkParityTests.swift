import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardPlatformFakes
import SwitchboardTesting
import Testing

/// Stream mode against DingTalk's own Python SDK (dingtalk-stream): each meets the same fake
/// gateway, which records the ticket request, the socket URL and the acks of one robot message and
/// one SYSTEM ping; the two are compared field by field (docs/parity.md).
@Suite("Parity: DingTalk Stream and dingtalk-stream", .timeLimit(.minutes(3)))
struct DingTalkParityTests {
    struct Observed {
        var open: (headers: HTTPFields, body: JSONValue)
        var socketPath: String
        var ticket: String
        var messageAck: JSONValue
        var pingAck: JSONValue
    }

    static let pingData = #"{"opaque":"d8a1c3e5-parity"}"#

    static func observe(_ client: (FakeDingTalk, () async throws -> Void) async throws -> Void) async throws -> Observed {
        try await FakeDingTalk.withRunning { fake in
            fake.state.withLock { $0.escapedTickets = true }
            var observed: Observed?
            try await client(fake) {
                try await fake.waitFor("the socket", timeout: .seconds(30)) { fake.openSockets == 1 }
                let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
                try await fake.push(FakeDingTalk.callbackFrame(messageID: "m-parity-1", msgID: "parity-1", text: "对齐测试", sessionWebhook: fake.sessionWebhook, expires: alive))
                try await fake.waitFor("the message's ack", timeout: .seconds(20)) { fake.ack(for: "m-parity-1") != nil }
                try await fake.push(FakeDingTalk.systemFrame(messageID: "sys-ping-1", topic: "ping", data: Self.pingData))
                try await fake.waitFor("the ping's ack", timeout: .seconds(20)) { fake.ack(for: "sys-ping-1") != nil }
                let state = fake.state.withLock { $0 }
                observed = Observed(
                    open: state.openRequests[0], socketPath: state.upgradePaths[0], ticket: state.tickets[0],
                    messageAck: fake.ack(for: "m-parity-1")?.json ?? .null, pingAck: fake.ack(for: "sys-ping-1")?.json ?? .null
                )
            }
            return try #require(observed)
        }
    }

    @Test("dingtalk-stream and Switchboard ask for a ticket alike, open the socket with it escaped alike, and acknowledge a robot message and a SYSTEM ping alike")
    func stream() async throws {
        let sdk = try await Self.observe { fake, exercise in
            let client = try await OfficialSDK.start("dingtalk_stream_client.py", [fake.url, FakeDingTalk.appKey, FakeDingTalk.appSecret])
            do {
                try await exercise()
                await client.stop()
            } catch {
                let said = client.output.suffix(3000)
                await client.stop()
                throw SDKUnavailable("\(error); dingtalk-stream said:\n\(said)")
            }
        }
        let ours = try await Self.observe { fake, exercise in
            let yaml = """
                backends: {echo: {type: echo}}
                bots:
                  ding: {platform: dingtalk, mode: stream, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}", api_base: "\(fake.url)", gateway_base: "\(fake.url)"}
                engine: {poll_interval: 50ms}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: ["DINGTALK_SECRET": FakeDingTalk.appSecret], plugins: [.dingTalk]) { _ in try await exercise() }
        }
        var report = ParityReport(
            key: "dingtalk-stream", title: "DingTalk Stream — dingtalk-stream \(OfficialSDK.versions["dingtalk-stream"] ?? "?")",
            allowed: [
                "open User-Agent": "each client names itself",
                "open body ua": "each client names itself",
                "open body localIp": "DingTalk does not say what it uses it for (unconfirmed); Switchboard does not probe the network for it and sends it empty",
            ]
        )
        for (name, sdkValue, ourValue) in Self.items(sdk: sdk, ours: ours) { report.compare(name, sdk: sdkValue, switchboard: ourValue) }
        #expect(report.unexplained.isEmpty, "\(report.markdown)")
        if let problem = try report.checkDocument() { Issue.record(Comment(rawValue: problem)) }
    }

    static func items(sdk: Observed, ours: Observed) -> [(String, String, String)] {
        func header(_ observed: Observed, _ name: String) -> String { observed.open.headers[HTTPField.Name(name)!] ?? "" }
        func keys(_ json: JSONValue?) -> String { (json?.object?.keys.sorted() ?? []).joined(separator: ", ") }
        func subscriptions(_ observed: Observed) -> String {
            (observed.open.body["subscriptions"]?.array ?? []).map { "\($0["type"]?.string ?? "?") \($0["topic"]?.string ?? "?")" }.joined(separator: "; ")
        }
        func string(_ json: JSONValue?) -> String {
            guard let json else { return "missing" }
            return json.string ?? String(decoding: JSONWriter.data(json), as: UTF8.self)
        }
        /// The ack's `data`, a JSON string: its value parsed, so that spacing does not count.
        func data(_ ack: JSONValue) -> String {
            guard let text = ack["data"]?.string else { return "missing" }
            guard let parsed = try? JSONParser.parse(Data(text.utf8)) else { return "not JSON: \(text)" }
            return String(decoding: JSONWriter.data(parsed), as: UTF8.self)
        }
        func machineFree(_ text: String) -> String {
            text.replacingOccurrences(of: #"Python/[0-9.]+"#, with: "Python/…", options: .regularExpression)
        }
        /// The SDK sends the machine's outbound address, found by routing a UDP socket to 8.8.8.8 —
        /// empty on a machine without that route: either way the same words, so the page does not
        /// depend on where the test ran.
        func address(_ json: JSONValue?, sdk: Bool) -> String {
            let text = json?.string ?? ""
            if sdk, text.isEmpty || text.split(separator: ".").count == 4 { return "this machine's outbound address (empty without a route)" }
            return text.isEmpty ? "empty" : "other: \(text)"
        }
        func socket(_ observed: Observed) -> String {
            let query = observed.socketPath.split(separator: "?", maxSplits: 1).last.map(String.init) ?? ""
            return "/connect?" + query.replacingOccurrences(of: observed.ticket, with: "<ticket>")
        }
        return [
            ("open request", "POST /v1.0/gateway/connections/open", "POST /v1.0/gateway/connections/open"),
            ("open Content-Type", header(sdk, "Content-Type"), header(ours, "Content-Type")),
            ("open Accept", header(sdk, "Accept"), header(ours, "Accept")),
            // Without what depends on the machine (its Python), so that the page is the same everywhere.
            ("open User-Agent", machineFree(header(sdk, "User-Agent")), machineFree(header(ours, "User-Agent"))),
            ("open body keys", keys(sdk.open.body), keys(ours.open.body)),
            ("open body subscriptions", subscriptions(sdk), subscriptions(ours)),
            ("open body ua", string(sdk.open.body["ua"]), string(ours.open.body["ua"])),
            ("open body localIp", address(sdk.open.body["localIp"], sdk: true), address(ours.open.body["localIp"], sdk: false)),
            ("socket URL (ticket tk+/=1Ab)", socket(sdk), socket(ours)),
            ("message ack keys", keys(sdk.messageAck), keys(ours.messageAck)),
            ("message ack code", string(sdk.messageAck["code"]), string(ours.messageAck["code"])),
            ("message ack headers", keys(sdk.messageAck["headers"]) + " " + string(sdk.messageAck["headers"]?["contentType"]),
             keys(ours.messageAck["headers"]) + " " + string(ours.messageAck["headers"]?["contentType"])),
            ("message ack messageId", string(sdk.messageAck["headers"]?["messageId"]), string(ours.messageAck["headers"]?["messageId"])),
            ("message ack message", string(sdk.messageAck["message"]), string(ours.messageAck["message"])),
            ("message ack data", data(sdk.messageAck), data(ours.messageAck)),
            ("ping ack keys", keys(sdk.pingAck), keys(ours.pingAck)),
            ("ping ack code", string(sdk.pingAck["code"]), string(ours.pingAck["code"])),
            ("ping ack message", string(sdk.pingAck["message"]), string(ours.pingAck["message"])),
            ("ping ack data", data(sdk.pingAck), data(ours.pingAck)),
        ]
    }
}
