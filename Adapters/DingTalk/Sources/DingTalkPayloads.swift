import SwitchboardCore

/// The bodies DingTalk is sent (platforms.md §3b, §3c, §3e).
enum DingTalkPayloads {
    enum Kind: String, CaseIterable, Sendable {
        case markdown, text

        var target: RenderTarget { self == .markdown ? .dingtalkMarkdown : .dingtalkText }
    }

    /// A session webhook's or a custom robot's message, with whom to @.
    static func message(_ kind: Kind, _ text: String, atUserIDs: [String] = [], atMobiles: [String] = [], atAll: Bool = false) -> JSONValue {
        var body: [String: JSONValue] = ["msgtype": .string(kind.rawValue)]
        switch kind {
        case .markdown: body["markdown"] = ["title": .string(title(of: text)), "text": .string(text)]
        case .text: body["text"] = ["content": .string(text)]
        }
        if !atUserIDs.isEmpty || !atMobiles.isEmpty || atAll {
            body["at"] = [
                "atUserIds": .array(atUserIDs.map(JSONValue.string)), "atMobiles": .array(atMobiles.map(JSONValue.string)), "isAtAll": .bool(atAll),
            ]
        }
        return .object(body)
    }

    /// The OpenAPI's `msgKey` and `msgParam` (a JSON string, ≤ 15 000 bytes).
    static func openAPIMessage(_ kind: Kind, _ text: String) -> (msgKey: String, msgParam: String) {
        switch kind {
        case .markdown: ("sampleMarkdown", String(decoding: JSONWriter.data(["title": .string(title(of: text)), "text": .string(text)]), as: UTF8.self))
        case .text: ("sampleText", String(decoding: JSONWriter.data(["content": .string(text)]), as: UTF8.self))
        }
    }

    /// `robot/groupMessages/send` for a group, `robot/oToMessages/batchSend` for a person.
    static func openAPISend(_ kind: Kind, _ text: String, robotCode: String, conversationID: String?, userID: String?) -> (path: String, body: JSONValue) {
        let (key, param) = openAPIMessage(kind, text)
        if let conversationID {
            return ("/v1.0/robot/groupMessages/send", ["robotCode": .string(robotCode), "openConversationId": .string(conversationID), "msgKey": .string(key), "msgParam": .string(param)])
        }
        return ("/v1.0/robot/oToMessages/batchSend", ["robotCode": .string(robotCode), "userIds": [.string(userID ?? "")], "msgKey": .string(key), "msgParam": .string(param)])
    }

    /// A markdown message's title (shown in notifications): its first line without markup.
    static func title(of text: String) -> String {
        let first = text.split(separator: "\n").first { !$0.trimmingWhitespace().isEmpty }.map(String.init) ?? ""
        let plain = first.filter { !"#*>`_~[]".contains($0) }.trimmingWhitespace()
        return plain.isEmpty ? "回复" : String(plain.prefix(30))
    }
}

extension RenderTarget {
    /// A text message: the same budget as markdown [M: DingTalk documents only msgParam's 15 000
    /// bytes].
    static let dingtalkText = RenderTarget(
        name: "dingtalk.text", dialect: .plainText, maxBytes: 14_000, measure: .jsonEscaped(times: 1),
        rule: "msgParam ≤ 15000 bytes [D groupMessages/send]; text assumed the same"
    )
}
