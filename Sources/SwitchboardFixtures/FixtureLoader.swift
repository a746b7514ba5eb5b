public import Foundation
public import SwitchboardCore

/// Finds and reads fixture cases: `Fixtures/<platform>/keys.json` (the bot and its fake
/// credentials) and `Fixtures/<platform>/<case>/` (`request.json`, the body file, and the golden
/// `events.json` and/or `response.json`).
public struct FixtureLoader: Sendable {
    /// The `Fixtures` directory.
    public let root: URL

    /// Looks for a `Fixtures` directory in the folders above `filePath` — pass `#filePath` from a
    /// test, so a package finds its own fixtures wherever it is checked out.
    public init(filePath: String = #filePath, directoryName: String = "Fixtures") throws {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(directoryName)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                root = candidate
                return
            }
            directory = directory.deletingLastPathComponent()
        }
        throw FixtureError("no \(directoryName) directory above \(filePath)")
    }

    public init(root: URL) {
        self.root = root
    }

    /// The platform folders (those with a `keys.json`), sorted.
    public func platforms() throws -> [String] {
        try subdirectories(of: root).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("keys.json").path)
        }
    }

    public func keys(platform: String) throws -> FixtureKeys {
        let url = root.appendingPathComponent(platform).appendingPathComponent("keys.json")
        return try JSONDecoder().decode(FixtureKeys.self, from: try read(url))
    }

    /// Every case of a platform, sorted by name.
    public func cases(platform: String) throws -> [FixtureCase] {
        let directory = root.appendingPathComponent(platform)
        return try subdirectories(of: directory).map { try loadCase(platform: platform, directory: directory.appendingPathComponent($0)) }
    }

    /// Every case of every platform.
    public func allCases() throws -> [FixtureCase] {
        try platforms().flatMap { try cases(platform: $0) }
    }

    private func loadCase(platform: String, directory: URL) throws -> FixtureCase {
        let request = try JSONDecoder().decode(FixtureRequest.self, from: try read(directory.appendingPathComponent("request.json")))
        let keys = try keys(platform: platform)
        let bot = try request.bot ?? keys.onlyBot(directory: directory)
        guard keys.bots.contains(where: { $0.id == bot }) else {
            throw FixtureError("\(directory.path): request.json names bot \(bot), which keys.json does not have")
        }
        // A file of the case, named by its name alone: never a path out of the case folder.
        if let file = request.bodyFile, file.isEmpty || file.contains("/") || file.contains("\\") || file == "." || file == ".." {
            throw FixtureError("\(directory.lastPathComponent)/request.json: body_file must be a file name in the case's folder, not \(file)")
        }
        let body = try request.bodyFile.map { try read(directory.appendingPathComponent($0)) } ?? Data()
        let eventsURL = directory.appendingPathComponent("events.json")
        let responseURL = directory.appendingPathComponent("response.json")
        let events = try optionalRead(eventsURL).map { try EventJSON.decode([ChatEvent].self, from: $0) }
        let response = try optionalRead(responseURL).map { try JSONDecoder().decode(ExpectedResponse.self, from: $0) }
        guard events != nil || response != nil else {
            throw FixtureError("\(directory.path): a case needs events.json, response.json or both")
        }
        return FixtureCase(
            platform: platform, bot: bot, name: directory.lastPathComponent, directory: directory,
            request: request, body: body, expectedEvents: events, expectedResponse: response
        )
    }

    private func subdirectories(of url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    private func read(_ url: URL) throws -> Data {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw FixtureError("cannot read \(url.path)") }
        return data
    }

    private func optionalRead(_ url: URL) throws -> Data? {
        FileManager.default.fileExists(atPath: url.path) ? try read(url) : nil
    }
}

/// `keys.json`: the bots the cases were made for, with their configuration sections (fake
/// credentials), and whether their requests sign the whole body (then a tampered body must be
/// refused with 401/403): `"body_signed": true | false` for every bot, or `{"bot-id": false, …}`
/// for some (the rest default to signed). One bot: `{"bot": "id", "config": {…}}`; several (one
/// platform's modes, sharing keys): `{"bots": {"id": {…}, …}}`, and each case's `request.json`
/// names its `bot`.
///
/// `"signed_part"` (one value, or a map per bot) says where the signature sits, so the runner's
/// tamper rule changes a byte the signature covers rather than the envelope around it: `body`
/// (the default for signed bodies), `json:<key>` (a string value, e.g. `json:encrypt`),
/// `xml:<Tag>` (an element's text, e.g. `xml:Encrypt`) or `header:<Name>` (a signed header, for
/// platforms that sign a timestamp rather than the body).
public struct FixtureKeys: Decodable, Sendable {
    /// The bots, sorted by id.
    public var bots: [(id: String, config: JSONValue)]
    /// Whether every bot signs its bodies; ``isBodySigned(bot:)`` gives the per-bot answer.
    public var bodySigned: Bool
    private var signedByBot: [String: Bool] = [:]
    private var signedPartByBot: [String: String] = [:]
    private var signedPart: String?

    enum CodingKeys: String, CodingKey {
        case bot, config, bots
        case bodySigned = "body_signed"
        case signedPart = "signed_part"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let several = try c.decodeIfPresent([String: JSONValue].self, forKey: .bots) {
            bots = several.sorted { $0.key < $1.key }.map { (id: $0.key, config: $0.value) }
        } else {
            bots = [(id: try c.decode(String.self, forKey: .bot), config: try c.decode(JSONValue.self, forKey: .config))]
        }
        if let perBot = try? c.decodeIfPresent([String: Bool].self, forKey: .bodySigned) {
            signedByBot = perBot
            bodySigned = !perBot.values.contains(false)
        } else {
            bodySigned = try c.decodeIfPresent(Bool.self, forKey: .bodySigned) ?? true
            signedByBot = [:]
        }
        if let perBot = try? c.decodeIfPresent([String: String].self, forKey: .signedPart) {
            signedPartByBot = perBot
        } else {
            signedPart = try c.decodeIfPresent(String.self, forKey: .signedPart)
        }
    }

    /// Whether `bot`'s requests sign the whole body.
    public func isBodySigned(bot: String) -> Bool {
        signedByBot[bot] ?? (signedByBot.isEmpty ? bodySigned : true)
    }

    /// Where `bot`'s signature sits, or nil when its requests carry none the runner can test.
    public func signedPart(bot: String) -> SignedPart? {
        if let text = signedPartByBot[bot] ?? signedPart { return SignedPart(text) }
        return isBodySigned(bot: bot) ? .body : nil
    }

    /// The bot of a case that names none: there must be only one.
    func onlyBot(directory: URL) throws -> String {
        guard bots.count == 1 else { throw FixtureError("\(directory.path): keys.json has several bots; request.json must name its \"bot\"") }
        return bots[0].id
    }

    /// A bot's config section, as the server would read it from YAML.
    public func section(bot: String) throws -> ConfigSection {
        guard let config = bots.first(where: { $0.id == bot })?.config else { throw FixtureError("keys.json has no bot \(bot)") }
        return try ConfigSection(config.configNode(path: "bots.\(bot)", file: "keys.json"))
    }
}

/// `request.json`: one raw request and the clock it was made at.
public struct FixtureRequest: Decodable, Sendable {
    /// The bot the request is for, when `keys.json` has several.
    public var bot: String?
    public var method: String
    /// Path and query, as the platform sent them.
    public var url: String
    public var headers: [String: String]
    /// The body file next to `request.json`; none for a bodiless request.
    public var bodyFile: String?
    /// The Unix time the case was made at; the runner uses it as "now".
    public var now: Double
    /// The body file is a frame of the platform's long-lived connection (DingTalk Stream), not
    /// an HTTP request: it runs through ``StreamFrameDecoding``; `response.json` holds 200 and
    /// the frame sent back, or the refusal.
    public var streamFrame: Bool
    /// False for a request the platform does not sign although the bot's others are (Feishu's
    /// `url_verification`): the tamper rule leaves it out.
    public var signed: Bool

    enum CodingKeys: String, CodingKey {
        case bot, method, url, headers
        case bodyFile = "body_file"
        case now
        case streamFrame = "stream_frame"
        case signed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bot = try c.decodeIfPresent(String.self, forKey: .bot)
        streamFrame = try c.decodeIfPresent(Bool.self, forKey: .streamFrame) ?? false
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? "POST"
        url = try c.decodeIfPresent(String.self, forKey: .url) ?? ""
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        bodyFile = try c.decodeIfPresent(String.self, forKey: .bodyFile)
        now = try c.decode(Double.self, forKey: .now)
        signed = try c.decodeIfPresent(Bool.self, forKey: .signed) ?? true
    }
}

/// `response.json`: the expected status and, optionally, the exact body.
public struct ExpectedResponse: Decodable, Sendable {
    public var status: Int
    public var body: String?
    /// The body as lowercase hex, for a binary answer (a long connection's protobuf frame).
    public var bodyHex: String?

    enum CodingKeys: String, CodingKey {
        case status, body
        case bodyHex = "body_hex"
    }
}

public struct FixtureCase: Sendable, CustomStringConvertible {
    /// The folder under `Fixtures/`.
    public var platform: String
    /// The bot (from `keys.json`) the request is for.
    public var bot: String
    public var name: String
    public var directory: URL
    public var request: FixtureRequest
    public var body: Data
    public var expectedEvents: [ChatEvent]?
    public var expectedResponse: ExpectedResponse?

    public var description: String { "\(platform)/\(name)" }
}

public struct FixtureError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where a request's signature sits (`signed_part` in `keys.json`).
public enum SignedPart: Sendable, Equatable {
    case body
    case jsonString(key: String)
    case xmlElement(tag: String)
    case header(String)

    init?(_ text: String) {
        if text == "body" { self = .body; return }
        let (kind, name) = (text.prefix { $0 != ":" }, text.drop { $0 != ":" }.dropFirst())
        guard !name.isEmpty else { return nil }
        switch kind {
        case "json": self = .jsonString(key: String(name))
        case "xml": self = .xmlElement(tag: String(name))
        case "header": self = .header(String(name))
        default: return nil
        }
    }
}

