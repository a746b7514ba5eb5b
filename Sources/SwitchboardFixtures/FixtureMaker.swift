public import Foundation
import HTTPTypes
import Logging
public import SwitchboardCore

/// `switchboard fixture make`: a recorded case (from `serve --record`) ▸ a fixture case anyone may
/// read. The bot's adapter, built with its production keys, opens the recorded request
/// (``FixtureSealing``); the payload is anonymized (``FixtureAnonymizer``); the adapter built
/// from `Fixtures/<platform>/keys.json` seals it again with the fixture keys; and that adapter's
/// own answer and events are written as the golden files.
public struct FixtureMaker: Sendable {
    public struct Options: Sendable {
        /// The pseudonyms' key: the same seed gives the same case.
        public var seed: String
        public var redactText: Bool
        /// The bot in `keys.json` to seal for; nil: the one of the same platform and mode.
        public var fixtureBot: String?
        /// The case's clock (Unix seconds); nil: when it was recorded.
        public var now: Double?

        public init(seed: String = "switchboard-fixtures", redactText: Bool = false, fixtureBot: String? = nil, now: Double? = nil) {
            self.seed = seed
            self.redactText = redactText
            self.fixtureBot = fixtureBot
            self.now = now
        }
    }

    /// What was written.
    public struct Made: Sendable {
        public var directory: URL
        public var fixtureBot: String
        public var events: [ChatEvent]
        public var status: Int
    }

    public let registry: AdapterRegistry

    public init(registry: AdapterRegistry) {
        self.registry = registry
    }

    public func make(recorded: URL, bot: String, config: ConfigSection, out: URL, options: Options = Options()) async throws -> Made {
        let recordedRequest = try JSONDecoder().decode(FixtureRequest.self, from: try Self.read(recorded.appendingPathComponent("request.json")))
        let body = try recordedRequest.bodyFile.map { try Self.read(recorded.appendingPathComponent($0)) } ?? Data()
        let now = Date(timeIntervalSince1970: options.now ?? recordedRequest.now)
        let environment = FactoryEnvironment(transport: OfflineTransport(), logger: Logger(label: "fixture-make"))
        let real = try registry.makeAdapter(botID: bot, config: config, environment: environment)

        let platformDirectory = out.deletingLastPathComponent()
        let keys = try FixtureLoader(root: platformDirectory.deletingLastPathComponent()).keys(platform: platformDirectory.lastPathComponent)
        let realConfig = Self.scalars(config.node)
        let fixtureBot = try options.fixtureBot ?? Self.matchingBot(realConfig, in: keys, frames: recordedRequest.streamFrame)
        let fixtureConfig = try keys.section(bot: fixtureBot)
        let adapter = try registry.makeAdapter(botID: fixtureBot, config: fixtureConfig, environment: environment)
        let anonymizer = FixtureAnonymizer(
            seed: options.seed, redactText: options.redactText, replacements: Self.replacements(realConfig, Self.scalars(fixtureConfig.node), bot: bot, fixtureBot: fixtureBot)
        )
        // What must not be left in the case: the production settings that differ from the fixture
        // bot's (six characters or more), and every id the anonymizer learned from the payload.
        let fixtureValues = Self.scalars(fixtureConfig.node)
        let settings = realConfig.filter { key, value in value.count >= 6 && fixtureValues[key] != value }.map { ("bots.\(bot).\($0.key)", $0.value) }
        if recordedRequest.streamFrame {
            let made = try makeFrame(body, real: real, adapter: adapter, anonymizer: anonymizer, now: now, out: out)
            try Self.verifyNothingLeft(in: out, settings: settings, ids: anonymizer.map.filter { $0.key != $0.value && $0.key.count >= 6 }.map(\.key))
            return made
        }

        let request = try AdapterFixtureRunner.webhookRequest(recordedRequest, body: body)
        guard let opener = real as? any FixtureSealing else {
            throw FixtureError("the \(real.platform) adapter cannot re-seal recorded requests (it does not adopt FixtureSealing)")
        }
        let payload = try opener.openRecorded(request, now: Date(timeIntervalSince1970: recordedRequest.now))
        guard let sealer = adapter as? any FixtureSealing else { throw FixtureError("the fixture bot \(fixtureBot) cannot seal requests") }
        let anonymous = try anonymizer.anonymize(payload)
        let sealed = try sealer.sealRecorded(anonymous, like: request, now: now)
        let result = await adapter.handle(sealed, context: WebhookContext(now: now, logger: Logger(label: "fixture-make")))
        if let rejection = result.rejection, [401, 403].contains(Int(rejection.status.code)) {
            throw FixtureError("the re-sealed request was refused by the fixture bot \(fixtureBot): \(rejection.reason)")
        }
        let signed = await Self.signatureCovers(sealed, adapter: adapter, keys: keys, now: now)
        try Self.write(sealed, result: result, bot: fixtureBot, now: now, signed: signed, to: out)
        try Self.verifyNothingLeft(in: out, settings: settings, ids: anonymizer.map.filter { $0.key != $0.value && $0.key.count >= 6 }.map(\.key))
        return Made(directory: out, fixtureBot: fixtureBot, events: result.events, status: Int(result.response.status.code))
    }

    /// A recorded long-connection frame: opened into JSON (``FrameSealing``), anonymized, built
    /// again, decoded by the fixture adapter (``StreamFrameDecoding``) for the golden files.
    private func makeFrame(_ frame: Data, real: any ChatAdapter, adapter: any ChatAdapter, anonymizer: FixtureAnonymizer, now: Date, out: URL) throws -> Made {
        guard let opener = real as? any FrameSealing, let sealer = adapter as? any FrameSealing, let decoder = adapter as? any StreamFrameDecoding else {
            throw FixtureError("the \(real.platform) adapter cannot re-seal recorded frames (it does not adopt FrameSealing and StreamFrameDecoding)")
        }
        let sealed = try sealer.sealRecordedFrame(try anonymizer.anonymize(try opener.openRecordedFrame(frame)))
        let result: WebhookResult
        switch decoder.handleFrame(sealed, now: now) {
        case .success(let decoded):
            result = WebhookResult(response: WebhookResponse(status: .ok, body: decoded.reply ?? Data()), events: decoded.events, rejection: nil)
        case .failure(let rejection):
            result = WebhookResult(response: rejection.response, events: [], rejection: rejection)
        }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let isJSON = (try? JSONParser.parse(sealed)) != nil
        let bodyFile = isJSON ? "frame.json" : "frame.bin"
        try sealed.write(to: out.appendingPathComponent(bodyFile))
        let description: JSONValue = ["bot": .string(adapter.botID), "now": .number(now.timeIntervalSince1970), "body_file": .string(bodyFile), "stream_frame": true]
        try Self.pretty(description).write(to: out.appendingPathComponent("request.json"))
        try Self.writeGolden(result, to: out)
        return Made(directory: out, fixtureBot: adapter.botID, events: result.events, status: Int(result.response.status.code))
    }

    /// Fails — and removes the case — when a production setting or an original id is still in one
    /// of its files; says which kind and where, never the value.
    static func verifyNothingLeft(in out: URL, settings: [(key: String, value: String)], ids: [String]) throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        for file in files {
            let content = String(decoding: (try? Data(contentsOf: out.appendingPathComponent(file))) ?? Data(), as: UTF8.self)
            let setting = settings.first { content.contains($0.value) }
            let leftID = setting == nil ? ids.first { content.contains($0) } : nil
            guard setting != nil || leftID != nil else { continue }
            try? FileManager.default.removeItem(at: out)
            if let setting {
                throw FixtureError("\(file) would still hold the production value of \(setting.key); nothing was written (is it in the payload where the anonymizer does not look?)")
            }
            throw FixtureError("\(file) would still hold an id of the recorded payload (\(leftID?.count ?? 0) characters); nothing was written")
        }
    }

    // MARK: Keys

    /// A config section's scalar values by key (nested keys joined with dots).
    static func scalars(_ node: ConfigNode, prefix: String = "") -> [String: String] {
        guard case .map(let entries) = node.value else { return [:] }
        var values: [String: String] = [:]
        for entry in entries {
            if let scalar = entry.node.scalar { values[prefix + entry.key] = scalar }
            values.merge(scalars(entry.node, prefix: prefix + entry.key + ".")) { first, _ in first }
        }
        return values
    }

    /// The bot's configured identity and keys ▸ the fixture bot's (its app id, corp id, agent id,
    /// token, keys, name): a payload that carries one (Feishu's verification token, WeCom's
    /// `ToUserName`, the bot's name in `@小助手`) carries the fixture's. Only keys that name an
    /// identity or a secret (`…id`, `…token`, `…secret`, `…key`, `…name`, `…code`) — not a host or
    /// a setting, whose value could also be ordinary text.
    static func replacements(_ real: [String: String], _ fixture: [String: String], bot: String, fixtureBot: String) -> [String: String] {
        var map: [String: String] = [bot: fixtureBot]
        let identity = ["id", "token", "secret", "key", "name", "code"]
        for (key, value) in real where identity.contains(where: { key.hasSuffix($0) }) {
            guard value.count >= 2, !["true", "false"].contains(value), let replacement = fixture[key], replacement != value else { continue }
            map[value] = replacement
        }
        // The hosts the bot was configured with (a proxy's, an intranet API base) become the
        // fixture bot's: a URL in the payload on one of them (a session webhook) keeps its shape.
        for (key, value) in real where ["_base", "base_url", "host", "_url"].contains(where: { key.hasSuffix($0) }) {
            guard value.count >= 6, let replacement = fixture[key], replacement != value else { continue }
            map[value] = replacement
        }
        return map
    }

    /// The fixture bot of the same platform and mode whose settings share the most keys.
    /// For `frames`, a bot that decodes them: the same intake; encryption does not matter.
    static func matchingBot(_ real: [String: String], in keys: FixtureKeys, frames: Bool = false) throws -> String {
        let candidates = keys.bots.filter { bot in
            let fixture = scalars(bot.config.configNode(path: "bots.\(bot.id)", file: "keys.json"))
            return fixture["platform"] == real["platform"] && fixture["mode"] == real["mode"] && fixture["intake"] == real["intake"]
                && (frames || (fixture["encrypt_key"] == nil) == (real["encrypt_key"] == nil))
        }
        guard candidates.count == 1 else {
            let names = keys.bots.map(\.id).joined(separator: ", ")
            throw FixtureError(candidates.isEmpty
                ? "keys.json has no bot of this platform and mode (it has \(names)); add one, or name it with --fixture-bot"
                : "keys.json has several bots of this platform and mode (\(candidates.map(\.id).joined(separator: ", "))); name one with --fixture-bot")
        }
        return candidates[0].id
    }

    /// Whether one changed byte of what the fixture keys sign is refused (false for what the
    /// platform leaves unsigned, like Feishu's `url_verification`).
    static func signatureCovers(_ request: WebhookRequest, adapter: any ChatAdapter, keys: FixtureKeys, now: Date) async -> Bool {
        guard let part = keys.signedPart(bot: adapter.botID) else { return true }
        for tampered in Tamper.changingOneByte(of: part, in: request) {
            let refused = await adapter.handle(tampered.request, context: WebhookContext(now: now, logger: Logger(label: "fixture-make")))
            if ![401, 403].contains(refused.response.status.code) { return false }
        }
        return true
    }

    // MARK: Files

    static func write(_ request: WebhookRequest, result: WebhookResult, bot: String, now: Date, signed: Bool, to out: URL) throws {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let bodyFile = FixtureAnonymizer.isXML(request.body) ? "body.xml" : "body.json"
        var headers: [String: JSONValue] = [:]
        for field in request.headers { headers[field.name.canonicalName] = .string(field.value) }
        var description: [String: JSONValue] = [
            "bot": .string(bot), "method": .string(request.method.rawValue), "now": .number(now.timeIntervalSince1970),
            "url": .string(request.rawQuery.map { "\(request.path)?\($0)" } ?? request.path), "headers": .object(headers),
        ]
        if !request.body.isEmpty {
            description["body_file"] = .string(bodyFile)
            try request.body.write(to: out.appendingPathComponent(bodyFile))
        }
        if !signed { description["signed"] = false }
        try pretty(.object(description)).write(to: out.appendingPathComponent("request.json"))
        try writeGolden(result, to: out)
    }

    /// `response.json` (status; body as text or hex) and `events.json`.
    static func writeGolden(_ result: WebhookResult, to out: URL) throws {
        var response: [String: JSONValue] = ["status": .number(Double(result.response.status.code))]
        if let text = String(data: result.response.body, encoding: .utf8) {
            response["body"] = .string(text)
        } else {
            response["body_hex"] = .string(Hex.encode(result.response.body))
        }
        try pretty(.object(response)).write(to: out.appendingPathComponent("response.json"))
        try pretty(try JSONParser.parse(try EventJSON.encode(result.events))).write(to: out.appendingPathComponent("events.json"))
    }

    static func pretty(_ value: JSONValue) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: JSONWriter.data(value), options: [.fragmentsAllowed])
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) + Data("\n".utf8)
    }

    static func read(_ url: URL) throws -> Data {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw FixtureError("cannot read \(url.path)") }
        return data
    }
}
