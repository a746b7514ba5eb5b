import Foundation

/// One row of the routing table: which events it takes (filters and a trigger), which backend
/// answers them, and how backend conversations are scoped.
public struct RoutingRule: Sendable {
    public var name: String
    /// nil matches any.
    public var platforms: Set<String>?
    public var bots: Set<String>?
    public var chatType: ConversationType?
    public var chatIDs: Set<String>?
    public var trigger: Trigger
    public var backend: String
    public var scope: ConversationScope
    /// Where the rule was written (`routes[2]`), for messages.
    public var source: String?
    /// Follow-ups, debounce, limits, access and linked identity (all off by default).
    public var features: RouteFeatures

    public init(
        name: String,
        platforms: Set<String>? = nil,
        bots: Set<String>? = nil,
        chatType: ConversationType? = nil,
        chatIDs: Set<String>? = nil,
        trigger: Trigger = .any,
        backend: String,
        scope: ConversationScope = .perUserInChat,
        source: String? = nil,
        features: RouteFeatures = RouteFeatures()
    ) {
        self.name = name
        self.platforms = platforms
        self.bots = bots
        self.chatType = chatType
        self.chatIDs = chatIDs
        self.trigger = trigger
        self.backend = backend
        self.scope = scope
        self.source = source
        self.features = features
    }

    /// What the router hands on when this rule fires.
    func match(query: String) -> RouteMatch {
        RouteMatch(rule: name, backend: backend, scope: scope, query: query, features: features)
    }

    /// Whether the platform, bot, chat type and chat id filters — and the route's access lists —
    /// admit the event.
    public func admits(_ event: ChatEvent) -> Bool {
        if let platforms, !platforms.contains(event.platform) { return false }
        if let bots, !bots.contains(event.bot) { return false }
        if let chatType, chatType != event.conversation.type { return false }
        if let chatIDs, !chatIDs.contains(event.conversation.id) { return false }
        return features.access.admits(event)
    }

    /// How the rule is named in messages: `finance (routes[0])`.
    var label: String {
        source.map { "\(name) (\($0))" } ?? name
    }
}

/// What in the message makes a rule fire.
public enum Trigger: Sendable {
    /// The message @-mentions the bot.
    case mention
    /// The text contains one of the words (case-insensitive).
    case keywords([String])
    /// The text starts with one of the prefixes (case-insensitive); the prefix is stripped from
    /// the text the backend gets.
    case prefix([String])
    /// The text matches the regular expression somewhere.
    case regex(Pattern)
    /// Every message.
    case any

    /// A compiled regular expression with its source text.
    public struct Pattern: Sendable {
        public let source: String
        let expression: NSRegularExpression

        /// Throws when `source` is not a valid regular expression.
        public init(_ source: String) throws {
            self.source = source
            self.expression = try NSRegularExpression(pattern: source)
        }

        func matches(_ text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// The text the backend should get when the trigger fires on `text`, or nil when it does not.
    func fire(on event: ChatEvent) -> String? {
        let text = event.text
        switch self {
        case .any:
            return text
        case .mention:
            return event.mentionsBot ? text : nil
        case .keywords(let words):
            return words.contains { text.range(of: $0, options: .caseInsensitive) != nil } ? text : nil
        case .prefix(let prefixes):
            for prefix in prefixes {
                if let range = text.range(of: prefix, options: [.anchored, .caseInsensitive]) {
                    return text[range.upperBound...].trimmingWhitespace()
                }
            }
            return nil
        case .regex(let pattern):
            return pattern.matches(text) ? text : nil
        }
    }

    var name: String {
        switch self {
        case .mention: "mention"
        case .keywords: "keywords"
        case .prefix: "prefix"
        case .regex: "regex"
        case .any: "any"
        }
    }
}

/// Which messages share one backend conversation.
public enum ConversationScope: String, Sendable, CaseIterable {
    /// One conversation per sender, across all chats with this bot.
    case perUser = "per_user"
    /// One conversation per chat (and thread), shared by everyone in it.
    case perChat = "per_chat"
    /// One conversation per sender in each chat (and thread).
    case perUserInChat = "per_user_in_chat"

    /// The conversation-map key for `event` under this scope and `backend`.
    public func key(for event: ChatEvent, backend: String) -> String {
        var chat = "chat:\(event.conversation.id)"
        if let thread = event.conversation.thread { chat += "/thread:\(thread)" }
        let user = "user:\(event.sender.id)"
        let base = "\(backend)|\(event.bot)"
        switch self {
        case .perUser: return "\(base)|\(user)"
        case .perChat: return "\(base)|\(chat)"
        case .perUserInChat: return "\(base)|\(chat)|\(user)"
        }
    }
}
