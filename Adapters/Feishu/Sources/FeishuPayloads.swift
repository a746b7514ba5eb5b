import Crypto
import Foundation
import SwitchboardCore

/// The bodies the adapters send (platforms.md §2c, §2d), built with `Encodable` so that every
/// string is escaped by the encoder. `content` of the Open API is a JSON **string**; a custom
/// bot's is an object.
enum FeishuPayloads {
    /// An interactive card (JSON 1.0) with one `markdown` element. `update_multi` stays true in
    /// every version so the card can be updated in place.
    struct Card: Encodable {
        struct Config: Encodable {
            var wideScreenMode = true
            var updateMulti = true
            enum CodingKeys: String, CodingKey {
                case wideScreenMode = "wide_screen_mode"
                case updateMulti = "update_multi"
            }
        }

        struct Element: Encodable {
            var tag = "markdown"
            var content: String
        }

        var config = Config()
        var elements: [Element]

        init(markdown: String) {
            elements = [Element(content: markdown)]
        }
    }

    /// `{"text": …}`, the content of a text message.
    struct Text: Encodable {
        var text: String
    }

    /// `POST /im/v1/messages?receive_id_type=chat_id` and `POST /im/v1/messages/:id/reply`.
    struct Send: Encodable {
        var receiveID: String?
        var msgType: String
        var content: String
        var replyInThread: Bool?
        var uuid: String

        enum CodingKeys: String, CodingKey {
            case receiveID = "receive_id"
            case msgType = "msg_type"
            case content
            case replyInThread = "reply_in_thread"
            case uuid
        }
    }

    /// `PATCH /im/v1/messages/:id`: the whole new card.
    struct Patch: Encodable {
        var content: String
    }

    /// The `msg_type` and `content` string of one rendered part.
    static func message(_ kind: FeishuMessageKind, _ text: String) throws -> (msgType: String, content: String) {
        switch kind {
        case .card: ("interactive", try string(Card(markdown: text)))
        case .post: ("post", text)  // the renderer writes the post JSON itself
        case .text: ("text", try string(Text(text: text)))
        }
    }

    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// A notification's @-mentions before its first part (platforms.md §2c): `<at id=…></at>` in
    /// card Markdown, `<at user_id="…"></at>` in text, `{"tag": "at", "user_id": …}` elements in a
    /// post; everyone (`@all`) is the id `all` [3P; M]. Ids are open_ids or user_ids: Feishu cannot
    /// @ a phone number, and the notification is refused before this (``refusal(mentions:)``).
    static func mentioning(_ asked: [String], in part: String, kind: FeishuMessageKind) -> String {
        let list = MentionList(asked)
        let ids = list.userIDs + (list.everyone ? [everyone] : [])
        guard !ids.isEmpty else { return part }
        switch kind {
        case .card:
            return ids.map { "<at id=\($0)></at>" }.joined(separator: " ") + " " + part
        case .text:
            return ids.map { $0 == everyone ? #"<at user_id="all">所有人</at>"# : "<at user_id=\"\($0)\"></at>" }.joined(separator: " ") + " " + part
        case .post:
            guard case .object(var post)? = try? JSONParser.parse(Data(part.utf8)), case .object(var body)? = post["zh_cn"],
                case .array(var lines)? = body["content"]
            else { return part }
            let tags = ids.map { JSONValue.object(["tag": "at", "user_id": .string($0)]) }
            if case .array(let first)? = lines.first {
                lines[0] = .array(tags + [.object(["tag": "text", "text": " "])] + first)
            } else {
                lines.insert(.array(tags), at: 0)
            }
            body["content"] = .array(lines)
            post["zh_cn"] = .object(body)
            return String(decoding: JSONWriter.data(.object(post)), as: UTF8.self)
        }
    }

    /// Feishu's id for everyone in the chat.
    static let everyone = "all"

    /// Why a notification with these mentions cannot be sent as asked, if it cannot.
    static func refusal(mentions: [String]) -> NotificationError? {
        guard MentionList(mentions).mobiles.isEmpty else {
            return NotificationError("Feishu cannot @-mention by phone number; give the person's open_id (ou_…) instead")
        }
        return nil
    }

    /// A stable uuid (idempotency key, platforms.md §2c: same uuid within ~1 h sends once) for part
    /// `part` of the job's reply: the same on every retry of the job, different per part.
    static func uuid(idempotencyKey: String, part: Int) -> String {
        var hex = Array(Hex.encode(SHA256.hash(data: Data("\(idempotencyKey)#\(part)".utf8))).prefix(32))
        hex.insert("-", at: 20)
        hex.insert("-", at: 16)
        hex.insert("-", at: 12)
        hex.insert("-", at: 8)
        return String(hex)
    }
}

/// What a Feishu reply is sent as.
enum FeishuMessageKind: String, CaseIterable, Sendable {
    case card, post, text

    var target: RenderTarget {
        switch self {
        case .card: .feishuCard
        case .post: .feishuPost
        case .text: .feishuText
        }
    }
}

extension RenderTarget {
    /// A text message: ≤ 150 KB [D], the text escaped into `{"text"}` and that again into
    /// `content`; kept far below the limit, since nobody reads 150 KB in a chat.
    static let feishuText = RenderTarget(
        name: "feishu.text", dialect: .plainText, maxBytes: 28_000, measure: .jsonEscaped(times: 2),
        rule: "text ≤ 150 KB [D message/create]; split like a card, since a longer message is unreadable"
    )

    /// A custom bot's message: the body ≤ 20 KB [D custom bot guide]; card, post and text are
    /// objects there (escaped once); 2 KB kept for the request.
    static let feishuWebhookCard = RenderTarget(
        name: "feishu.webhook_card", dialect: .feishuCard, maxBytes: 18_000, measure: .jsonEscaped(times: 1),
        rule: "custom bot body ≤ 20 KB [D]; the text is escaped once into the card; 2 KB kept for the request"
    )
    static let feishuWebhookPost = RenderTarget(
        name: "feishu.webhook_post", dialect: .feishuPost, maxBytes: 18_000, measure: .jsonEscaped(times: 1),
        rule: "custom bot body ≤ 20 KB [D]; 2 KB kept for the request"
    )
    static let feishuWebhookText = RenderTarget(
        name: "feishu.webhook_text", dialect: .plainText, maxBytes: 18_000, measure: .jsonEscaped(times: 1),
        rule: "custom bot body ≤ 20 KB [D]; 2 KB kept for the request"
    )
}
