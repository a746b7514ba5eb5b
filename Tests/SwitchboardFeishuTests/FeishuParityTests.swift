import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardTesting
import Testing

/// The long connection against Feishu's own Python SDK (lark-oapi): each meets the same fake,
/// which records what it sends — the endpoint request, the socket URL, pings and their cadence,
/// the ack of one pushed event — and the two are compared field by field (docs/parity.md).
@Suite("Parity: Feishu long connection and lark-oapi", .timeLimit(.minutes(3)))
struct FeishuParityTests {
    /// What a client sent to the fake.
    struct Observed {
        var endpoint: (headers: HTTPFields, body: JSONValue)
        var urlAsHandedOut: Bool
        var firstPingAfterOpen: Duration
        var pingInterval: Duration
        var ping: FakeFeishuLongConnection.Frame
        var ack: FakeFeishuLongConnection.Frame
    }

    static let pushed = FakeFeishuLongConnection.event(
        seqID: 41, messageID: "frame-parity-1", payload: FakeFeishuLongConnection.message(eventID: "ev-parity-1", messageID: "om_parity_1", text: "对齐测试")
    )

    /// Pings every 2 s, no random wait: cadence measurable in a test.
    static let clientConfig = #"{"ReconnectCount":-1,"ReconnectInterval":1,"ReconnectNonce":0,"PingInterval":2}"#

    /// Runs one client (`start` starts it against the fake and returns when it is to stop) and
    /// reads what it sent.
    static func observe(_ client: (FakeFeishuLongConnection, () async throws -> Void) async throws -> Void) async throws -> Observed {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeFeishuLongConnection.withRunning(api: api) { fake in
                fake.state.withLock { $0.clientConfig = Self.clientConfig }
                var observed: Observed?
                try await client(fake) {
                    try await fake.waitFor("the socket and two pings", timeout: .seconds(30)) { fake.openSockets == 1 && fake.pings.count >= 2 }
                    try await fake.push(Self.pushed)
                    try await fake.waitFor("the event's ack", timeout: .seconds(20)) { !fake.responses.isEmpty }
                    let state = fake.state.withLock { $0 }
                    let pings = state.received.filter { $0.frame.method == 0 && $0.frame.header("type") == "ping" }
                    observed = Observed(
                        endpoint: state.endpointRequests[0], urlAsHandedOut: state.upgradePaths.first.map { path in state.handedOut.first?.hasSuffix(path) == true } ?? false,
                        firstPingAfterOpen: pings[0].at - state.opened[0], pingInterval: pings[1].at - pings[0].at,
                        ping: pings[0].frame, ack: fake.responses[0]
                    )
                }
                return try #require(observed)
            }
        }
    }

    @Test("lark-oapi and Switchboard send the same endpoint request, use the socket URL as given, ping the same way and acknowledge an event alike")
    func longConnection() async throws {
        let sdk = try await Self.observe { fake, exercise in
            let client = try await OfficialSDK.start("feishu_ws.py", [fake.url, FakeFeishuOpenAPI.appID, FakeFeishuOpenAPI.appSecret])
            do {
                try await exercise()
                await client.stop()
            } catch {
                let said = client.output.suffix(3000)
                await client.stop()
                throw SDKUnavailable("\(error); lark-oapi said:\n\(said)")
            }
        }
        let ours = try await Self.observe { fake, exercise in
            try await RunningSwitchboard.run(yaml: FeishuLongConnectionTests.yaml(fake), plugins: [.feishu]) { _ in try await exercise() }
        }
        var report = ParityReport(
            key: "feishu-long-connection", title: "Feishu long connection — lark-oapi \(OfficialSDK.versions["lark-oapi"] ?? "?")",
            allowed: [
                "endpoint User-Agent": "each client names itself",
                "ack biz_rt": "the handler's own processing time in milliseconds: a number either way",
            ]
        )
        for (name, sdkValue, ourValue) in Self.items(sdk: sdk, ours: ours) { report.compare(name, sdk: sdkValue, switchboard: ourValue) }
        #expect(report.unexplained.isEmpty, "\(report.markdown)")
        if let problem = try report.checkDocument() { Issue.record(Comment(rawValue: problem)) }
    }

    static func items(sdk: Observed, ours: Observed) -> [(String, String, String)] {
        func header(_ observed: Observed, _ name: String) -> String { observed.endpoint.headers[HTTPField.Name(name)!] ?? "" }
        func keys(_ json: JSONValue) -> String { (json.object?.keys.sorted() ?? []).joined(separator: ", ") }
        func seconds(_ duration: Duration) -> String { "\(Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded())) s" }
        func frame(_ frame: FakeFeishuLongConnection.Frame) -> String {
            "method \(frame.method), service \(frame.service == FakeFeishuLongConnection.service ? "from the URL" : String(frame.service)), SeqID \(frame.seqID), LogID \(frame.logID)"
        }
        func headers(_ frame: FakeFeishuLongConnection.Frame, dropping: Set<String> = []) -> String {
            frame.headers.filter { !dropping.contains($0.0) }.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
        }
        /// A starved test machine is allowed its slack.
        func cadence(_ interval: Duration) -> String {
            interval > .milliseconds(1500) && interval < .milliseconds(2900) ? "every 2 s" : "every \(seconds(interval))"
        }
        func bizRT(_ frame: FakeFeishuLongConnection.Frame) -> String {
            frame.header("biz_rt").flatMap(Int.init).map { _ in "milliseconds" } ?? "missing"
        }
        return [
            ("endpoint request", "POST /callback/ws/endpoint", "POST /callback/ws/endpoint"),
            ("endpoint Content-Type", header(sdk, "Content-Type"), header(ours, "Content-Type")),
            ("endpoint locale", header(sdk, "locale"), header(ours, "locale")),
            ("endpoint User-Agent", header(sdk, "User-Agent"), header(ours, "User-Agent")),
            ("endpoint body keys", keys(sdk.endpoint.body), keys(ours.endpoint.body)),
            ("socket URL", sdk.urlAsHandedOut ? "as handed out" : "changed", ours.urlAsHandedOut ? "as handed out" : "changed"),
            ("first ping", sdk.firstPingAfterOpen < .seconds(1) ? "at once" : "after \(seconds(sdk.firstPingAfterOpen))",
             ours.firstPingAfterOpen < .seconds(1) ? "at once" : "after \(seconds(ours.firstPingAfterOpen))"),
            ("ping cadence (PingInterval 2)", cadence(sdk.pingInterval), cadence(ours.pingInterval)),
            ("ping frame", frame(sdk.ping), frame(ours.ping)),
            ("ping headers", headers(sdk.ping), headers(ours.ping)),
            ("ping payload", sdk.ping.payload.map { String(decoding: $0, as: UTF8.self) } ?? "none", ours.ping.payload.map { String(decoding: $0, as: UTF8.self) } ?? "none"),
            ("ack frame", frame(sdk.ack), frame(ours.ack)),
            ("ack headers", headers(sdk.ack, dropping: ["biz_rt"]), headers(ours.ack, dropping: ["biz_rt"])),
            ("ack biz_rt", bizRT(sdk.ack), bizRT(ours.ack)),
            ("ack payload", sdk.ack.payload.map { String(decoding: $0, as: UTF8.self) } ?? "none", ours.ack.payload.map { String(decoding: $0, as: UTF8.self) } ?? "none"),
        ]
    }
}
