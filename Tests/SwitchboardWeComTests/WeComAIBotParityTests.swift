import Foundation
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardTesting
import SwitchboardWeCom
import Testing

/// The AI bot's socket against WeCom's own Python SDK (wecom-aibot-python-sdk): each meets the
/// same fake, which records the subscription, the heartbeat and the answer to one text message;
/// the two are compared field by field (docs/parity.md).
@Suite("Parity: WeCom AI-bot socket and wecom-aibot-python-sdk", .timeLimit(.minutes(3)))
struct WeComAIBotParityTests {
    struct Observed {
        var subscribe: FakeWeComAIBotSocket.Command
        var pings: [FakeWeComAIBotSocket.Command]
        var replies: [FakeWeComAIBotSocket.Command]
        var overlaps: [String]
    }

    static let question = "对齐测试：今天的值班是谁？"

    static func observe(_ client: (FakeWeComAIBotSocket, () async throws -> Void) async throws -> Void) async throws -> Observed {
        try await FakeWeComAIBotSocket.withRunning { fake in
            var observed: Observed?
            try await client(fake) {
                try await fake.waitFor("the subscription and four pings", timeout: .seconds(30)) { fake.isSubscribed && fake.commands("ping").count >= 4 }
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-PARITY", msgid: "msg-parity", text: Self.question))
                try await fake.waitFor("the finished answer", timeout: .seconds(20)) {
                    fake.commands("aibot_respond_msg").contains { $0.body["stream"]?["finish"] == .bool(true) }
                }
                observed = Observed(
                    subscribe: try #require(fake.commands("aibot_subscribe").first), pings: fake.commands("ping"),
                    replies: fake.commands("aibot_respond_msg"), overlaps: fake.overlaps
                )
            }
            return try #require(observed)
        }
    }

    @Test("the SDK and Switchboard subscribe alike, beat the heart alike, and answer a text message with a stream frame of the same shape on the push's req_id")
    func socket() async throws {
        let sdk = try await Self.observe { fake, exercise in
            let client = try await OfficialSDK.start("wecom_aibot_ws.py", [fake.url, FakeWeComAIBotSocket.botID, FakeWeComAIBotSocket.secret, "2000"])
            do {
                try await exercise()
                await client.stop()
            } catch {
                let said = client.output.suffix(3000)
                await client.stop()
                throw SDKUnavailable("\(error); wecom-aibot-python-sdk said:\n\(said)")
            }
        }
        let ours = try await Self.observe { fake, exercise in
            let yaml = """
                backends: {echo: {type: echo}}
                bots:
                  aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret),
                          ws_url: "\(fake.url)", heartbeat_interval: 2s, update_interval: 300ms}
                engine: {poll_interval: 50ms}
                """
            try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom]) { _ in try await exercise() }
        }
        var report = ParityReport(
            key: "wecom-aibot-socket", title: "WeCom AI-bot socket — wecom-aibot-python-sdk \(OfficialSDK.versions["wecom-aibot-python-sdk"] ?? "?")",
            allowed: [
                "stream id": "any id unique to the answer; Switchboard derives it from the message, so that a retried job continues the same stream",
                "answer frames": "the SDK's handler here answers in one finished frame; Switchboard streams the answer as it grows, whole text each time, then finishes",
            ]
        )
        for (name, sdkValue, ourValue) in Self.items(sdk: sdk, ours: ours) { report.compare(name, sdk: sdkValue, switchboard: ourValue) }
        #expect(report.unexplained.isEmpty, "\(report.markdown)")
        if let problem = try report.checkDocument() { Issue.record(Comment(rawValue: problem)) }
    }

    static func items(sdk: Observed, ours: Observed) -> [(String, String, String)] {
        /// A req_id's shape: `{prefix}_{unix ms}_{8 hex}`, or what it is.
        func shape(_ id: String?) -> String {
            guard let id else { return "missing" }
            if let match = id.wholeMatch(of: /([a-z_]+)_([0-9]{13})_([0-9a-f]{8})/) { return "\(match.output.1)_<unix ms>_<8 hex>" }
            return id
        }
        func keys(_ json: JSONValue?) -> String { (json?.object?.keys.sorted() ?? []).joined(separator: ", ") }
        func seconds(_ duration: Duration) -> String { "\(Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded())) s" }
        func last(_ observed: Observed) -> JSONValue { observed.replies.last?.body ?? .null }
        /// One heartbeat after the subscription's ack (which comes after the network's latency).
        /// The fake stamps a frame when this process gets to it: a starved test machine (the whole
        /// suite on two cores) stamps late, so up to a second heartbeat is allowed.
        func afterSubscription(_ observed: Observed) -> String {
            let wait = observed.pings[0].at - observed.subscribe.at
            return wait >= .seconds(2) && wait < .seconds(5) ? "one heartbeat after the subscription's ack" : "after \(seconds(wait))"
        }
        /// The mean interval of the first four pings: one late stamp makes one interval long and
        /// the next short, not the mean.
        func cadence(_ observed: Observed) -> String {
            let interval = (observed.pings[3].at - observed.pings[0].at) / 3
            return interval > .milliseconds(1500) && interval < .milliseconds(2900) ? "every 2 s" : "every \(seconds(interval))"
        }
        func streamID(_ observed: Observed) -> String {
            let ids = Set(observed.replies.compactMap { $0.body["stream"]?["id"]?.string })
            guard ids.count == 1, let id = ids.first else { return "\(ids.count) ids" }
            return id.hasPrefix("stream_") ? shape(id) : "derived from the message"
        }
        return [
            ("subscribe cmd", sdk.subscribe.cmd ?? "", ours.subscribe.cmd ?? ""),
            ("subscribe req_id", shape(sdk.subscribe.reqID), shape(ours.subscribe.reqID)),
            ("subscribe body keys", keys(sdk.subscribe.body), keys(ours.subscribe.body)),
            ("first ping", afterSubscription(sdk), afterSubscription(ours)),
            ("ping cadence (heartbeat 2 s)", cadence(sdk), cadence(ours)),
            ("ping frame keys", keys(sdk.pings[0].json), keys(ours.pings[0].json)),
            ("ping req_id", shape(sdk.pings[0].reqID), shape(ours.pings[0].reqID)),
            ("answer cmd", sdk.replies.last?.cmd ?? "", ours.replies.last?.cmd ?? ""),
            ("answer req_id", sdk.replies.allSatisfy { $0.reqID == "REQ-PARITY" } ? "the push's" : "other",
             ours.replies.allSatisfy { $0.reqID == "REQ-PARITY" } ? "the push's" : "other"),
            ("answer frames", "\(sdk.replies.count)", ours.replies.count > 1 ? "several" : "\(ours.replies.count)"),
            ("one command per req_id in flight", sdk.overlaps.isEmpty ? "yes" : "no", ours.overlaps.isEmpty ? "yes" : "no"),
            ("last frame body keys", keys(last(sdk)), keys(last(ours))),
            ("last frame msgtype", last(sdk)["msgtype"]?.string ?? "", last(ours)["msgtype"]?.string ?? ""),
            ("last frame stream keys", keys(last(sdk)["stream"]), keys(last(ours)["stream"])),
            ("last frame finish", "\(last(sdk)["stream"]?["finish"] == .bool(true))", "\(last(ours)["stream"]?["finish"] == .bool(true))"),
            ("last frame content", last(sdk)["stream"]?["content"]?.string ?? "", last(ours)["stream"]?["content"]?.string ?? ""),
            ("stream id", streamID(sdk), streamID(ours)),
        ]
    }
}
