import Foundation
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardTesting
import Testing

@testable import SwitchboardCLI
@testable import SwitchboardWeCom

/// Every signed or encrypted webhook case in Fixtures/ opened by the platform's own code (wechatpy
/// for WeCom, lark-oapi's webhook handler for Feishu, DingTalk's documented HMAC), and every
/// answer Switchboard sealed opened the same way; each compared with what Switchboard does with
/// it (docs/parity.md).
@Suite("Parity: webhook fixtures and the official SDKs", .timeLimit(.minutes(3)))
struct FixtureParityTests {
    struct SDKVerdict: Decodable {
        struct Answer: Decodable {
            var verdict: String
            var plaintext: String?
        }

        var `case`: String
        var verifier: String
        var verdict: String
        var reason: String
        var plaintext: String?
        var answer: Answer?
    }

    /// Cases where Switchboard refuses what the SDK opens, on purpose.
    static let refusedOnPurpose: [String: String] = [
        "wecom/app-stale-timestamp (wechatpy)": "Switchboard refuses a timestamp more than 5 min off (replays); wechatpy checks no time",
        "wecom/app-oversized (wechatpy)": "Switchboard refuses a body over its limit before it decrypts; wechatpy has no limit",
        "feishu/stale-timestamp (lark-oapi)": "Switchboard refuses a timestamp more than 5 min off (replays); lark-oapi checks no time",
    ]

    @Test("the official SDKs open what Switchboard opens and refuse what it refuses, see the same plaintext, and open the answers Switchboard sealed")
    func fixtures() async throws {
        let loader = try FixtureLoader()
        let output = try await OfficialSDK.run("fixtures_check.py", [loader.root.path])
        let verdicts = try String(decoding: output, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("{") }.map { try JSONDecoder().decode(SDKVerdict.self, from: Data($0.utf8)) }
        let cases = Dictionary(uniqueKeysWithValues: try loader.allCases().map { ($0.description, $0) })
        #expect(verdicts.count >= 70, "the SDK check covered only \(verdicts.count) cases")
        var report = ParityReport(
            key: "webhook-fixtures",
            title: "Webhook fixtures — wechatpy \(OfficialSDK.versions["wechatpy"] ?? "?"), lark-oapi \(OfficialSDK.versions["lark-oapi"] ?? "?"), DingTalk's HMAC",
            allowed: Self.refusedOnPurpose
        )
        for verdict in verdicts {
            let fixture = try #require(cases[verdict.case], "no fixture case \(verdict.case)")
            // Switchboard's verdict on the same question — is it authentic, and what does it say —
            // is its verify-and-decrypt step alone (what it does with a payload it then cannot
            // use, such as a body that is not JSON, is another matter).
            let plaintext = try? Self.plaintext(of: fixture, loader: loader)
            var ours = plaintext == nil ? "refuses" : "opens"
            let theirs = verdict.verdict == "opened" ? "opens" : "refuses"
            if let plaintext, verdict.verdict == "opened", plaintext != verdict.plaintext { ours = "opens, other plaintext" }
            report.compare("\(verdict.case) (\(verdict.verifier))", sdk: theirs, switchboard: ours)
            if verdict.case.hasPrefix("wecom/"), fixture.request.method == "GET", verdict.verdict == "opened" {
                report.compare(verdict.case + ": the verification's answer", sdk: "echostr \(verdict.plaintext ?? "")", switchboard: "echostr \(fixture.expectedResponse?.body ?? "none")")
            }
            if let answer = verdict.answer, verdict.case.hasPrefix("wecom/") {
                let ourAnswer = try Self.openAnswer(of: fixture, loader: loader)
                report.compare(verdict.case + ": its sealed answer", sdk: answer.verdict == "opened" ? "opens: \(Self.kind(answer.plaintext))" : "refuses",
                               switchboard: "opens: \(Self.kind(ourAnswer))")
            }
            if let answer = verdict.answer, verdict.case.hasPrefix("feishu/"), let challenge = answer.plaintext.flatMap({ try? JSONParser.parse(Data($0.utf8)) })?["challenge"] {
                let ourBody = fixture.expectedResponse?.body.flatMap { try? JSONParser.parse(Data($0.utf8)) }
                report.compare(verdict.case + ": the challenge's answer", sdk: "challenge \(challenge.string ?? "?")", switchboard: "challenge \(ourBody?["challenge"]?.string ?? "none")")
            }
        }
        #expect(report.unexplained.isEmpty, "\(report.unexplained)")
        if let problem = try report.checkDocument() { Issue.record(Comment(rawValue: problem)) }
    }

    /// Switchboard's own opening of a case (the fixture maker's `openRecorded`).
    static func plaintext(of fixture: FixtureCase, loader: FixtureLoader) throws -> String {
        let keys = try loader.keys(platform: fixture.platform)
        let adapter = try SwitchboardCLI.plugins.adapters.makeAdapter(
            botID: fixture.bot, config: try keys.section(bot: fixture.bot), environment: FactoryEnvironment(transport: OfflineTransport(), logger: .init(label: "parity"))
        )
        let sealing = try #require(adapter as? any FixtureSealing, "\(fixture) has no FixtureSealing adapter")
        let request = try AdapterFixtureRunner.webhookRequest(fixture.request, body: fixture.body)
        return String(decoding: try sealing.openRecorded(request, now: Date(timeIntervalSince1970: fixture.request.now)), as: UTF8.self)
    }

    /// Switchboard's own opening of the AI-bot answer it sealed.
    static func openAnswer(of fixture: FixtureCase, loader: FixtureLoader) throws -> String? {
        guard let body = fixture.expectedResponse?.body, let sealed = try? JSONParser.parse(Data(body.utf8)), let encrypt = sealed["encrypt"]?.string else { return nil }
        let keys = try loader.keys(platform: fixture.platform)
        let callback = try WeComAdapterFactory.callback(try keys.section(bot: fixture.bot), receiveID: "")
        let query = WeComCallback.Query(signature: sealed["msgsignature"]?.string ?? "", timestamp: sealed["timestamp"]?.string ?? "", nonce: sealed["nonce"]?.string ?? "")
        let timestamp = Double(query.timestamp) ?? fixture.request.now
        return String(decoding: try callback.open(encrypt, query: query, now: Date(timeIntervalSince1970: timestamp)), as: UTF8.self)
    }

    /// What an opened answer is, in a few words that do not change from run to run.
    static func kind(_ plaintext: String?) -> String {
        guard let plaintext, let json = try? JSONParser.parse(Data(plaintext.utf8)) else { return "not JSON" }
        guard let type = json["msgtype"]?.string else { return json.object?.isEmpty == true ? "{}" : "JSON without msgtype" }
        if type == "stream" { return "a stream frame, finish \(json["stream"]?["finish"] == .bool(true)), \(json["stream"]?["content"]?.string?.count ?? 0) characters" }
        return "a \(type) message"
    }
}
