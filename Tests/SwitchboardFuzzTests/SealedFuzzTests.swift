import Foundation
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardFeishu
import SwitchboardTesting
import SwitchboardWeCom
import Testing

/// The decoders behind the signatures: the platforms' plaintexts (decrypted from the fixtures),
/// mutated, then encrypted and signed again with the fixture keys as the platform would, so each
/// input passes verification and reaches the message decoding a forged request never reaches.
/// (A 401 stays possible: Feishu's verification token sits inside the encrypted payload.)
@Suite("Fuzz: signed payloads", .serialized, .timeLimit(.minutes(5)))
struct SealedFuzzTests {
    static let loader = try! FixtureLoader(filePath: #filePath)
    static let registry = AdapterRegistry([GenericAdapterFactory(), WeComAdapterFactory(), FeishuAdapterFactory()])

    /// A target: the bot, the plaintext seeds, and how a plaintext becomes a signed request.
    struct Target: Sendable, CustomTestStringConvertible {
        var name: String
        var platform: String
        var bot: String
        var now: Date
        var seeds: @Sendable () throws -> [[UInt8]]
        var seal: @Sendable ([UInt8]) throws -> WebhookRequest
        var testDescription: String { name }
    }

    static let now = Date(timeIntervalSince1970: 1_718_000_000)

    static func config(_ platform: String, _ bot: String) throws -> JSONValue {
        try #require(try loader.keys(platform: platform).bots.first { $0.id == bot }?.config)
    }

    static func bodies(_ platform: String, bot: String) throws -> [Data] {
        try loader.cases(platform: platform).filter { $0.bot == bot && !$0.request.streamFrame }.map(\.body)
    }

    static func weCom(_ bot: String, receiveID: String, xml: Bool) -> Target {
        Target(name: "sealed:wecom/\(bot)", platform: "wecom", bot: bot, now: now, seeds: {
            let config = try config("wecom", bot)
            let crypto = try WeComCrypto(token: config["token"]!.string!, encodingAESKey: config["encoding_aes_key"]!.string!, receiveID: receiveID)
            return try bodies("wecom", bot: bot).compactMap { body in
                let text = String(decoding: body, as: UTF8.self)
                let pattern = xml ? #"<Encrypt><!\[CDATA\[([^\]]+)\]\]>"# : #""encrypt"\s*:\s*"([^"]+)""#
                guard let match = text.range(of: pattern, options: .regularExpression) else { return nil }
                let encrypt = text[match].replacingOccurrences(of: pattern, with: "$1", options: .regularExpression)
                return (try? crypto.decrypt(encrypt)).map { [UInt8]($0) }
            }
        }, seal: { plain in
            let config = try config("wecom", bot)
            let crypto = try WeComCrypto(token: config["token"]!.string!, encodingAESKey: config["encoding_aes_key"]!.string!, receiveID: receiveID)
            let encrypt = try crypto.encrypt(Data(plain), random: Array("0123456789abcdef".utf8))
            let timestamp = String(Int(now.timeIntervalSince1970)), nonce = "1372623149"
            let signature = crypto.signature(timestamp: timestamp, nonce: nonce, encrypt: encrypt)
            let body = xml
                ? "<xml><ToUserName><![CDATA[\(receiveID)]]></ToUserName><Encrypt><![CDATA[\(encrypt)]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
                : #"{"encrypt":"\#(encrypt)"}"#
            return WebhookRequest(
                method: .post, url: "/webhooks/\(bot)?msg_signature=\(signature)&timestamp=\(timestamp)&nonce=\(nonce)", body: Data(body.utf8)
            )
        })
    }

    static let feishu = Target(name: "sealed:feishu/feishu-app", platform: "feishu", bot: "feishu-app", now: now, seeds: {
        let crypto = FeishuCrypto(encryptKey: try config("feishu", "feishu-app")["encrypt_key"]!.string!)
        return try bodies("feishu", bot: "feishu-app").compactMap { body in
            guard let encrypt = (try? JSONParser.parse(body))?["encrypt"]?.string else { return nil }
            return (try? crypto.decrypt(encrypt)).map { [UInt8]($0) }
        }
    }, seal: { plain in
        let crypto = FeishuCrypto(encryptKey: try config("feishu", "feishu-app")["encrypt_key"]!.string!)
        let body = Data(#"{"encrypt":"\#(try crypto.encrypt(Data(plain), iv: Array(repeating: 7, count: 16)))"}"#.utf8)
        let timestamp = String(Int(now.timeIntervalSince1970)), nonce = "fuzz-nonce"
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = timestamp
        headers[HTTPField.Name("X-Lark-Request-Nonce")!] = nonce
        headers[HTTPField.Name("X-Lark-Signature")!] = crypto.signature(timestamp: timestamp, nonce: nonce, body: body)
        return WebhookRequest(method: .post, url: "/webhooks/feishu-app", headers: headers, body: body)
    })

    static let generic = Target(name: "sealed:generic/generic-demo", platform: "generic", bot: "generic-demo", now: now, seeds: {
        try bodies("generic", bot: "generic-demo").map { [UInt8]($0) }
    }, seal: { body in
        let secret = try config("generic", "generic-demo")["secret"]!.string!
        return WebhookRequest(
            method: .post, url: "/webhooks/generic-demo", headers: GenericSignature(secret: secret).headers(for: Data(body), now: now), body: Data(body)
        )
    })

    static let targets = [weCom("wecom-app", receiveID: "wwfa6c0ffee1234567", xml: true), weCom("wecom-aibot", receiveID: "", xml: false), feishu, generic]

    @Test(arguments: targets)
    func target(_ target: Target) async throws {
        let seeds = try target.seeds()
        #expect(seeds.count >= 3, "\(target.name): \(seeds.count) plaintext seeds")
        let section = try ConfigSection(try Self.config(target.platform, target.bot).configNode(path: "bots.\(target.bot)", file: "keys.json"))
        let adapter = try Self.registry.makeAdapter(
            botID: target.bot, config: section, environment: FactoryEnvironment(transport: RecordingTransport(), logger: Logger(label: "fuzz"))
        )
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let context = WebhookContext(now: target.now, logger: logger)
        let session = FuzzSession(target: target.name, regressions: Self.loader.root.appendingPathComponent("fuzz"))
        let findings = await session.run(seeds: seeds) { plain in
            do {
                let result = await adapter.handle(try target.seal(plain), context: context)
                let status = Int(result.response.status.code)
                if let rejection = result.rejection {
                    if !AdapterFuzzer.allowedRefusals.contains(status) { return "refused with \(status): \(rejection.reason)" }
                    return rejection.reason.isEmpty ? "refused with \(status) and no reason" : nil
                }
                for event in result.events where (try? EventJSON.decode(ChatEvent.self, from: try EventJSON.encode(event))) != event {
                    return "event \(event.id) changes in an Event JSON round trip"
                }
                return status == 200 ? nil : "answered \(status) without a refusal"
            } catch {
                return "could not seal the input: \(error)"
            }
        }
        #expect(findings.isEmpty, "seed \(session.configuration.seed):\n\(findings.map(\.description).joined(separator: "\n"))")
    }
}
