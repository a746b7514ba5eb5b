import Crypto
public import Foundation
import SwitchboardCore

/// Replaces what identifies people in a platform payload (JSON, or WeCom's XML) with consistent
/// pseudonyms: user, open, union and staff ids, chat and conversation ids, message ids, names,
/// mobile numbers and e-mail addresses, wherever they occur — in their fields, inside JSON held in
/// strings, and in text (an id quoted in a mention). The same value gets the same pseudonym in
/// every payload of one run, and the same input and seed give the same output.
///
/// `replacements` are fixed: the bot's own configured values (its app id, corp id, the
/// verification token a payload carries) ▸ the fixture bot's, so the case still opens with the
/// fixture keys. Text is kept unless `redactText`.
public final class FixtureAnonymizer {
    /// Fields holding ids or addresses that identify a person, a chat, a message or a capability
    /// URL (WeCom `response_url`, DingTalk `sessionWebhook`, media URLs and their keys).
    static let idKeys: Set<String> = [
        "id", "userid", "user_id", "open_id", "union_id", "openId", "unionId", "employee_id", "senderId", "senderStaffId", "staffId",
        "dingtalkId", "chatbotUserId", "chat_id", "chatid", "open_chat_id", "conversationId", "msgid", "msgId", "originalMsgId",
        "message_id", "open_message_id", "root_id", "parent_id", "thread_id", "event_id", "uuid", "tenant_key", "senderCorpId",
        "chatbotCorpId", "corpId", "aibotid", "response_url", "sessionWebhook", "downloadCode", "pictureDownloadCode", "image_key",
        "file_key", "url", "aeskey", "spaceId", "fileId", "outTrackId", "userId", "messageId", "connectionId", "appId", "req_id",
        // WeCom's XML
        "FromUserName", "ToUserName", "MsgId", "UserID", "ChatId", "MediaId", "PicUrl", "ThumbMediaId",
    ]
    static let nameKeys: Set<String> = ["name", "senderNick", "user_name", "conversationTitle", "nickname", "first_name", "last_name", "username"]
    static let textKeys: Set<String> = ["content", "text", "recognition", "Content", "title", "Title", "Description"]

    let seed: String
    let redactText: Bool
    /// Fixed replacements, then pseudonyms as they are made: original ▸ stand-in.
    public private(set) var map: [String: String]
    /// Originals scrubbed from text however short: names (`张三` in `@张三`) and the bot's configured
    /// values (its name). Ids are scrubbed from four characters on, so that a short number does
    /// not change text that only happens to hold it.
    private var shortOriginals: Set<String>
    private var names = 0

    public init(seed: String, redactText: Bool = false, replacements: [String: String] = [:]) {
        self.seed = seed
        self.redactText = redactText
        map = replacements
        shortOriginals = Set(replacements.keys)
    }

    /// Anonymizes a JSON or XML payload (by its first byte). Run `collect` over every payload of
    /// the run first when several share ids, so text everywhere is scrubbed of all of them.
    public func anonymize(_ payload: Data) throws -> Data {
        collect(payload)
        if Self.isXML(payload) { return Data(transformXML(String(decoding: payload, as: UTF8.self)).utf8) }
        let json = try JSONParser.parse(payload)
        return JSONWriter.data(transform(json, key: nil))
    }

    /// Learns the ids and names in `payload` without changing it.
    public func collect(_ payload: Data) {
        if Self.isXML(payload) {
            for (tag, value) in Self.xmlElements(String(decoding: payload, as: UTF8.self)) { learn(value, key: tag) }
        } else if let json = try? JSONParser.parse(payload) {
            collect(json, key: nil)
        }
    }

    /// A string as the scrub leaves it: fixed and learned values replaced, mobiles and e-mails too.
    public func scrub(_ text: String) -> String {
        var text = text
        for (original, replacement) in map.sorted(by: { $0.key.count > $1.key.count }) where (original.count >= 4 || (original.count >= 2 && shortOriginals.contains(original))) && text.contains(original) {
            text = text.replacingOccurrences(of: original, with: replacement)
        }
        // A run of exactly 11 digits shaped like a mainland mobile number (no lookbehind in Swift regexes).
        text = replace(Self.digitRun, in: text) { run in
            run.count == 11 && run.hasPrefix("1") && "3456789".contains(run[run.index(after: run.startIndex)]) ? "1380000" + self.digits(run, count: 4) : nil
        }
        text = replace(Self.email, in: text) { "user-" + self.hex($0).prefix(8) + "@example.com" }
        return text
    }

    // MARK: JSON

    private func collect(_ value: JSONValue, key: String?) {
        switch value {
        case .object(let fields): for (name, field) in fields.sorted(by: { $0.key < $1.key }) { collect(field, key: Self.fieldKey(name, in: key)) }
        case .array(let items): for item in items { collect(item, key: key) }
        case .string(let text):
            if let nested = Self.nestedJSON(text) { collect(nested, key: key) } else { learn(text, key: key) }
        case .number(let number): if let key, Self.idKeys.contains(key) { learn(Self.integerText(number), key: key) }
        default: break
        }
    }

    /// A field's key as the anonymizer reads it: a conversation's `title` (Event JSON's
    /// `conversation.title`, a group's name) is a name, not text as a card's or a post's title is.
    static func fieldKey(_ name: String, in parent: String?) -> String {
        parent == "conversation" && name == "title" ? "conversationTitle" : name
    }

    private func transform(_ value: JSONValue, key: String?) -> JSONValue {
        switch value {
        case .object(let fields):
            var out: [String: JSONValue] = [:]
            for (name, field) in fields { out[name] = transform(field, key: Self.fieldKey(name, in: key)) }
            return .object(out)
        case .array(let items):
            return .array(items.map { transform($0, key: key) })
        case .string(let text):
            if let nested = Self.nestedJSON(text) { return .string(String(decoding: JSONWriter.data(transform(nested, key: key)), as: UTF8.self)) }
            return .string(leaf(text, key: key))
        case .number(let number):
            guard let key, Self.idKeys.contains(key), let replaced = map[Self.integerText(number)], let value = Double(replaced) else { return value }
            return .number(value)
        default:
            return value
        }
    }

    /// One value: its fixed or learned stand-in, or text (redacted, or scrubbed).
    private func leaf(_ text: String, key: String?) -> String {
        if let replaced = map[text] { return replaced }
        if let key, Self.textKeys.contains(key), redactText, !text.isEmpty { return "（已隐去 / redacted）" }
        return scrub(text)
    }

    private func learn(_ value: String, key: String?) {
        guard let key, !value.isEmpty, map[value] == nil else { return }
        if Self.idKeys.contains(key) {
            map[value] = pseudonym(value)
        } else if Self.nameKeys.contains(key) {
            names += 1
            map[value] = "用户\(names)"
            shortOriginals.insert(value)
        }
    }

    // MARK: XML (WeCom's `<xml><Tag><![CDATA[value]]></Tag>…</xml>`)

    private func transformXML(_ xml: String) -> String {
        var out = ""
        var rest = Substring(xml)
        while let match = rest.firstMatch(of: Self.element) {
            out += rest[..<match.range.lowerBound]
            let (tag, value, cdata) = (String(match.output.1), String(match.output.2 ?? match.output.3 ?? ""), match.output.2 != nil)
            let replaced = leaf(value, key: tag)
            out += cdata ? "<\(tag)><![CDATA[\(replaced)]]></\(tag)>" : "<\(tag)>\(replaced)</\(tag)>"
            rest = rest[match.range.upperBound...]
        }
        return out + rest
    }

    static func xmlElements(_ xml: String) -> [(String, String)] {
        xml.matches(of: element).map { (String($0.output.1), String($0.output.2 ?? $0.output.3 ?? "")) }
    }

    nonisolated(unsafe) static let element = #/<(\w+)>(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))</\1>/#.dotMatchesNewlines()

    // MARK: Pseudonyms

    /// Keeps a value's shape: a leading `ou_`-style prefix, digits for digits, a URL as a URL.
    func pseudonym(_ value: String) -> String {
        let digest = hex(value)
        let unsigned = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        if !unsigned.isEmpty, unsigned.allSatisfy(\.isASCII), unsigned.allSatisfy(\.isNumber) {
            // A number stays a number of the same length and sign (Telegram's chat ids are negative).
            var number = digits(value, count: unsigned.count)
            if number.count > 1, number.hasPrefix("0") { number = "1" + number.dropFirst() }
            return (value.hasPrefix("-") ? "-" : "") + number
        }
        if value.hasPrefix("http://") || value.hasPrefix("https://") {
            // The scheme and host stay (a capability URL is checked against its platform's host,
            // as DingTalk's sessionWebhook is); the path and query, which carry the capability, go.
            guard let url = URL(string: value), let scheme = url.scheme, let host = url.host else { return "https://example.invalid/" + digest.prefix(24) }
            let origin = "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
            // A configured host of the bot's (a proxy, an API base) becomes the fixture bot's.
            let base = map[origin] ?? map[origin + "/"] ?? origin
            return base + "/" + digest.prefix(24)
        }
        var prefix = ""
        if let underscore = value.firstIndex(of: "_"), value.distance(from: value.startIndex, to: underscore) <= 4 {
            prefix = String(value[...underscore])
        }
        let length = min(max(value.count - prefix.count, 8), 64)
        return prefix + String((digest + digest).prefix(length))
    }

    private func hex(_ value: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: SymmetricKey(data: Data(seed.utf8)))
        return Hex.encode(Data(mac))
    }

    private func digits(_ value: String, count: Int) -> String {
        let digest = Array(hex(value).utf8) + Array(hex(value + "#").utf8)
        return String(String.UnicodeScalarView(digest.prefix(max(count, 1)).map { Unicode.Scalar(UInt8(ascii: "0") + $0 % 10) }))
    }

    nonisolated(unsafe) static let digitRun = #/\d+/#
    nonisolated(unsafe) static let email = #/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/#

    /// Each match replaced by its stand-in (remembered), or kept when `make` says nil.
    private func replace(_ pattern: Regex<Substring>, in text: String, with make: (String) -> String?) -> String {
        text.replacing(pattern) { match in
            let original = String(match.output)
            if let known = map[original] { return known }
            guard let stand = make(original) else { return original }
            map[original] = stand
            return stand
        }
    }

    static func isXML(_ payload: Data) -> Bool {
        payload.first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) } == UInt8(ascii: "<")
    }

    /// A string that is itself a JSON object or array (Feishu's `content`, a DingTalk frame's `data`).
    static func nestedJSON(_ text: String) -> JSONValue? {
        guard let first = text.first, first == "{" || first == "[" else { return nil }
        guard let value = try? JSONParser.parse(Data(text.utf8)), value.object != nil || value.array != nil else { return nil }
        return value
    }

    static func integerText(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : String(number)
    }
}
