public import Foundation

/// Where a notification goes on a bot that can speak first: a chat (Feishu `chat_id`, DingTalk
/// `openConversationId`) or a user (WeCom app user ids, a DingTalk staff id). Send-only robots
/// need neither: their webhook is the destination.
public struct NotificationDestination: Sendable, Equatable {
    public var chat: String?
    public var user: String?

    public init(chat: String? = nil, user: String? = nil) {
        self.chat = chat
        self.user = user
    }
}

/// Adopted by an adapter that can send without being spoken to first. A notification is
/// delivered like an answer: the adapter describes it as an event (`kind: notification`, the
/// destination in the conversation and reply address, whom to @ in `mentions`) and its own
/// `deliver` sends it — rendered, split, within the platform's limits.
public protocol NotificationSending: ChatAdapter {
    /// The event `deliver` answers to send to `destination`. Throws a reason for the operator
    /// when the destination does not suit the bot (a chat where a user id is needed).
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent
}

/// A notification that cannot be sent as configured or asked.
public struct NotificationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension EventKind {
    /// A message the bot sends on its own (`/notify`, `switchboard send`); never routed.
    public static let notification: EventKind = "notification"
}

extension ChatEvent {
    /// Whom a notification asks to @-mention; empty for every other event (whose `mentions` are
    /// the people its sender mentioned).
    public var notificationMentions: [String] {
        kind == .notification ? mentions.map(\.id) : []
    }

    /// The usual shape of a notification event; adapters add their reply-address keys.
    public static func notification(
        id: String, adapter: some ChatAdapter, conversation: Conversation, sender: String = "notify", text: String, mentions: [String], now: Date,
        replyAddress: ReplyAddress = ReplyAddress()
    ) -> ChatEvent {
        ChatEvent(
            id: id, platform: adapter.platform, bot: adapter.botID, kind: .notification, conversation: conversation, sender: Participant(id: sender),
            text: text, mentions: mentions.map { Participant(id: $0) }, timestamp: now, replyAddress: replyAddress
        )
    }
}

/// Whom a notification @-mentions, sorted the way robot APIs want them: user ids, mobile phone
/// numbers (11 digits, optionally `+86`), and "everyone" (`all` / `@all`).
public struct MentionList: Sendable, Equatable {
    public var userIDs: [String] = []
    public var mobiles: [String] = []
    public var everyone = false

    /// Nobody is mentioned.
    public var isEmpty: Bool { userIDs.isEmpty && mobiles.isEmpty && !everyone }

    public init(_ mentions: [String]) {
        for raw in mentions {
            let mention = raw.trimmingWhitespace()
            let digits = mention.hasPrefix("+86") ? String(mention.dropFirst(3)) : mention
            if mention.isEmpty { continue }
            if mention == "all" || mention == "@all" {
                everyone = true
            } else if digits.count == 11, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) {
                mobiles.append(digits)
            } else {
                userIDs.append(mention)
            }
        }
    }
}
