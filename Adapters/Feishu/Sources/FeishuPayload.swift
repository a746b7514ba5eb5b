import Foundation
import SwitchboardCore

/// A decoded callback body (plain, or the inside of `{"encrypt"}`) — event schema 2.0, the legacy
/// 1.0, or a `url_verification` (platforms.md §2a, §2b). Every field is optional: a less certain
/// part must not make a payload unreadable.
struct FeishuPayload: Sendable {
    struct Header: Sendable {
        var eventID: String?
        var eventType: String?
        var createTime: String?
        var token: String?
    }

    // Schema 2.0.
    var schema: String?
    var header: Header?
    // Schema 1.0 and url_verification.
    var uuid: String?
    var token: String?
    var ts: String?
    var type: String?
    var challenge: String?
    // An encrypted body.
    var encrypt: String?
    /// The event, of whichever kind: decoded in the same pass as the envelope.
    var event: FeishuEvent?
    // Read from JSON in FeishuPayload+Decoding.swift.

    /// The verification token the payload carries: `header.token` (2.0) or `token` (1.0 and
    /// url_verification), as the SDK reads it.
    var verificationToken: String? {
        schema?.isEmpty == false ? header?.token : token
    }

    var isURLVerification: Bool { type == "url_verification" }
}

/// The `event` member of every kind this adapter reads, in one struct so that a body is decoded
/// in one pass:
/// - `im.message.receive_v1` (2.0): `sender`, `message`;
/// - `im.chat.member.bot.added_v1` (2.0): `chat_id`, `operator_id`, `name` — not in platforms.md,
///   taken from Feishu's event list [M], so only `chat_id` is required;
/// - a 1.0 message (`type: message`): `open_message_id`, `open_chat_id`, `chat_type`
///   (`private` | `group`), `msg_type`, `open_id`, `is_mention`, `text`, `text_without_at_bot` —
///   platforms.md has only the 1.0 envelope; these are the legacy doc's fields [M].
struct FeishuEvent: Sendable {
    struct UserID: Sendable, Equatable {
        var openID: String?
        var userID: String?
        var unionID: String?
    }

    struct Sender: Sendable {
        var senderID: UserID?
        var senderType: String?
    }

    struct Mention: Sendable {
        var key: String?
        var id: UserID?
        var name: String?
    }

    struct Message: Sendable {
        var messageID: String?
        var rootID: String?
        var parentID: String?
        var threadID: String?
        var createTime: String?
        var chatID: String?
        var chatType: String?
        var messageType: String?
        var content: String?
        var mentions: [Mention]?
    }

    // im.message.receive_v1
    var sender: Sender?
    var message: Message?
    // im.chat.member.bot.added_v1
    var chatID: String?
    var operatorID: UserID?
    var name: String?
    // 1.0
    var type: String?
    var openMessageID: String?
    var openChatID: String?
    var chatType: String?
    var msgType: String?
    var openID: String?
    var rootID: String?
    var isMention: Bool?
    var text: String?
    var textWithoutAtBot: String?
    // card.action.trigger (platforms-2.md §1.8): who clicked, the action, and where.
    var cardOperator: UserID?
    var action: CardAction?
    var context: CardContext?

    struct CardAction: Sendable {
        /// The button's `value` (SDKs support an object only) and `tag`.
        var value: JSONValue?
        var tag: String?
        var name: String?
    }

    struct CardContext: Sendable {
        var openMessageID: String?
        var openChatID: String?
    }
}
