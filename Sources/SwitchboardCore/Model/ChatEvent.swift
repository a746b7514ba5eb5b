public import Foundation

/// One thing that happened on a chat platform, in platform-neutral form.
///
/// Adapters turn platform payloads into `ChatEvent`s; everything after the adapter (dedup,
/// routing, backends, persistence) speaks only this type. Its JSON form — the *Event JSON* — is a
/// public format (see ARCHITECTURE.md): the CLI prints it, fixtures store it as golden files and the
/// generic adapter accepts it from adapters written in other languages. The keys are fixed
/// snake_case names declared here, independent of any encoder setting.
public struct ChatEvent: Sendable, Codable, Equatable {
    /// The dedup key: the configured bot id, a colon, and the platform's own event or message id
    /// (`feishu-main:om_5e37…`). Two deliveries of one platform event carry the same id.
    public var id: String
    /// The platform name as configured (`wecom`, `feishu`, `dingtalk`, `generic`, or a plugin's).
    public var platform: String
    /// The configured bot id that received the event.
    public var bot: String
    public var kind: EventKind
    public var conversation: Conversation
    public var sender: Participant
    /// Plain text with the bot's own mention removed and surrounding whitespace trimmed.
    public var text: String
    /// Whether the message @-mentions this bot (recognised by identity, not by display name).
    public var mentionsBot: Bool
    /// Everyone the message mentions, the bot included.
    public var mentions: [Participant]
    /// The message in parts, in order, for backends that want more than the text.
    public var segments: [Segment]
    /// The platform's message id, when the event is a message.
    public var messageID: String?
    /// When the platform says the event happened (millisecond precision).
    public var timestamp: Date
    /// What the adapter needs later to answer; persisted with the job.
    public var replyAddress: ReplyAddress
    /// The platform id of the message this one replies to or quotes (Feishu `parent_id`, DingTalk
    /// `repliedMsg.msgId`, a Telegram `reply_to_message`), when the platform says. A reply to one
    /// of the bot's own messages counts as addressed to the bot.
    public var replyTo: String?
    /// The quoted message's text, when the payload carries it (WeCom AI bot `quote`, DingTalk
    /// `repliedMsg.content`). Where it carries only ``replyTo``, the adapter may fetch the text
    /// when the job runs (``ChatAdapter/quotedText(for:transport:)``).
    public var quote: String?
    /// The person behind the sender across platforms, from `identities:` (set by the engine when
    /// the sender's account is linked; adapters leave it nil).
    public var principal: String?
    /// For `card_action` and `feedback` events: what was pressed, chosen or rated.
    public var action: ChatAction?

    public init(
        id: String,
        platform: String,
        bot: String,
        kind: EventKind = .message,
        conversation: Conversation,
        sender: Participant,
        text: String,
        mentionsBot: Bool = false,
        mentions: [Participant] = [],
        segments: [Segment] = [],
        messageID: String? = nil,
        timestamp: Date,
        replyAddress: ReplyAddress = ReplyAddress(),
        replyTo: String? = nil,
        quote: String? = nil,
        principal: String? = nil,
        action: ChatAction? = nil
    ) {
        self.id = id
        self.platform = platform
        self.bot = bot
        self.kind = kind
        self.conversation = conversation
        self.sender = sender
        self.text = text
        self.mentionsBot = mentionsBot
        self.mentions = mentions
        self.segments = segments
        self.messageID = messageID
        self.timestamp = timestamp
        self.replyAddress = replyAddress
        self.replyTo = replyTo
        self.quote = quote
        self.principal = principal
        self.action = action
    }

    enum CodingKeys: String, CodingKey {
        case id, platform, bot, kind, conversation, sender, text
        case mentionsBot = "mentions_bot"
        case mentions, segments
        case messageID = "message_id"
        case timestamp
        case replyAddress = "reply_address"
        case replyTo = "reply_to"
        case quote, principal, action
    }

    /// Decodes Event JSON. `id`, `platform`, `conversation`, `sender`, `text` and `timestamp` are
    /// required; the rest default (`kind` to `message`, lists to empty, `bot` to empty so that the
    /// receiving adapter can fill it in).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        platform = try c.decode(String.self, forKey: .platform)
        bot = try c.decodeIfPresent(String.self, forKey: .bot) ?? ""
        kind = try c.decodeIfPresent(EventKind.self, forKey: .kind) ?? .message
        conversation = try c.decode(Conversation.self, forKey: .conversation)
        sender = try c.decode(Participant.self, forKey: .sender)
        text = try c.decode(String.self, forKey: .text)
        mentionsBot = try c.decodeIfPresent(Bool.self, forKey: .mentionsBot) ?? false
        mentions = try c.decodeIfPresent([Participant].self, forKey: .mentions) ?? []
        segments = try c.decodeIfPresent([Segment].self, forKey: .segments) ?? []
        messageID = try c.decodeIfPresent(String.self, forKey: .messageID)
        timestamp = Date(unixMilliseconds: try c.decode(Int64.self, forKey: .timestamp))
        replyAddress = try c.decodeIfPresent(ReplyAddress.self, forKey: .replyAddress) ?? ReplyAddress()
        replyTo = try c.decodeIfPresent(String.self, forKey: .replyTo)
        quote = try c.decodeIfPresent(String.self, forKey: .quote)
        principal = try c.decodeIfPresent(String.self, forKey: .principal)
        action = try c.decodeIfPresent(ChatAction.self, forKey: .action)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(platform, forKey: .platform)
        try c.encode(bot, forKey: .bot)
        try c.encode(kind, forKey: .kind)
        try c.encode(conversation, forKey: .conversation)
        try c.encode(sender, forKey: .sender)
        try c.encode(text, forKey: .text)
        try c.encode(mentionsBot, forKey: .mentionsBot)
        try c.encode(mentions, forKey: .mentions)
        try c.encode(segments, forKey: .segments)
        try c.encodeIfPresent(messageID, forKey: .messageID)
        try c.encode(timestamp.unixMilliseconds, forKey: .timestamp)
        try c.encode(replyAddress, forKey: .replyAddress)
        try c.encodeIfPresent(replyTo, forKey: .replyTo)
        try c.encodeIfPresent(quote, forKey: .quote)
        try c.encodeIfPresent(principal, forKey: .principal)
        try c.encodeIfPresent(action, forKey: .action)
    }
}

/// What kind of thing happened. An open set: adapters may use kinds of their own.
public struct EventKind: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }

    /// A chat message: the only kind that routes to a backend.
    public static let message: EventKind = "message"
    /// A user opened the chat with the bot (WeCom `enter_agent`, …).
    public static let enterChat: EventKind = "enter_chat"
    /// The bot was added to a group.
    public static let botAdded: EventKind = "bot_added"
    /// A button on a card the bot sent was pressed (``ChatEvent/action`` says which).
    public static let cardAction: EventKind = "card_action"
    /// A person rated one of the bot's answers (``ChatEvent/action`` carries the rating).
    public static let feedback: EventKind = "feedback"
}

/// Where an event happened.
public struct Conversation: Sendable, Codable, Equatable, Hashable {
    /// The platform's chat id (a DingTalk conversationId, a Feishu chat_id, a WeCom user id for app
    /// chats).
    public var id: String
    public var type: ConversationType
    public var title: String?
    /// The thread inside the chat, when the platform has threads and the message is in one.
    public var thread: String?

    public init(id: String, type: ConversationType, title: String? = nil, thread: String? = nil) {
        self.id = id
        self.type = type
        self.title = title
        self.thread = thread
    }
}

public enum ConversationType: String, Sendable, Codable, Hashable, CaseIterable {
    case direct
    case group
}

/// A person or bot taking part in a conversation.
public struct Participant: Sendable, Codable, Equatable, Hashable {
    public var id: String
    public var name: String?
    public var isBot: Bool

    public init(id: String, name: String? = nil, isBot: Bool = false) {
        self.id = id
        self.name = name
        self.isBot = isBot
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case isBot = "is_bot"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        isBot = try c.decodeIfPresent(Bool.self, forKey: .isBot) ?? false
    }
}

/// Time as integer Unix milliseconds: how the Event JSON and the SQL stores carry it — exact, and
/// trivial in every language.
extension Date {
    /// Clamped to what Int64 holds (a date made from a platform's absurd number must not trap).
    public var unixMilliseconds: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite else { return 0 }
        return milliseconds >= 9.2e18 ? .max : milliseconds <= -9.2e18 ? .min : Int64(milliseconds)
    }

    public init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }

    /// The latest time a platform's clock may sensibly say: the end of year 9999.
    static let latestPlatformSeconds: Double = 253_402_300_799

    /// A time a platform sent in Unix seconds, or nil when it is no sensible time (not a number,
    /// negative, past year 9999) — payloads are untrusted input. Kept to whole milliseconds, the
    /// Event JSON's precision, so an event survives its own round trip (a fuzzed `CreateTime` of
    /// `171.0004` did not).
    public init?(platformSeconds seconds: Double) {
        guard seconds.isFinite, seconds >= 0, seconds <= Self.latestPlatformSeconds else { return nil }
        self.init(unixMilliseconds: Int64((seconds * 1000).rounded(.down)))
    }

    /// The same for Unix milliseconds.
    public init?(platformMilliseconds milliseconds: Double) {
        self.init(platformSeconds: milliseconds / 1000)
    }
}
