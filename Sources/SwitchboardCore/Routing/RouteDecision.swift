import Foundation

/// What the router decided for one event.
public enum RouteDecision: Sendable, Equatable {
    /// Ask `match.backend` and deliver its answer.
    case reply(RouteMatch)
    /// A built-in command. For `reset`, `targets` are the backend conversations to forget (one per
    /// rule that could have answered this sender here).
    case command(BuiltInCommand, targets: [RouteMatch])
    /// Not for the bot.
    case ignore
}

/// A rule that fired: the backend, the conversation scope and the text to send.
public struct RouteMatch: Sendable, Equatable {
    public var rule: String
    public var backend: String
    public var scope: ConversationScope
    /// The text for the backend (a `prefix` trigger stripped).
    public var query: String
    /// The route's follow-up, debounce, limit and identity settings.
    public var features: RouteFeatures

    public init(rule: String, backend: String, scope: ConversationScope, query: String, features: RouteFeatures = RouteFeatures()) {
        self.rule = rule
        self.backend = backend
        self.scope = scope
        self.query = query
        self.features = features
    }

    /// Whether the backend conversation belongs to the sender's principal rather than to one
    /// platform account: `identity: linked` on a `per_user` route, for a linked sender.
    public func linkedPrincipal(of event: ChatEvent) -> String? {
        guard features.linkedIdentity, scope == .perUser else { return nil }
        return event.principal
    }

    /// The conversation-map key: the scope's, or — for a linked sender — the principal's, the same
    /// from every platform and bot.
    public func scopeKey(for event: ChatEvent) -> String {
        if let principal = linkedPrincipal(of: event) { return "\(backend)|principal:\(principal)" }
        return scope.key(for: event, backend: backend)
    }
}

public enum BuiltInCommand: String, Sendable, CaseIterable {
    /// Forget the backend conversation, so the next message starts a new one.
    case reset
    /// List the commands.
    case help
    /// Admins only: the queue and the backends' health, in one message.
    case status
    /// Admins only: forget every backend conversation of this chat (its users and threads too).
    case resetAll = "reset_all"

    /// Whether only `admins:` may use it.
    public var isAdminOnly: Bool {
        self == .status || self == .resetAll
    }
}

/// The words that invoke the built-in commands. A message is a command when its whole text is one
/// of the words (case-insensitive); in groups it must also @-mention the bot.
public struct CommandWords: Sendable, Equatable {
    public var words: [BuiltInCommand: [String]]

    public init(
        reset: [String] = ["/reset", "重置对话"], help: [String] = ["/help"], status: [String] = ["/status"], resetAll: [String] = ["/reset all"]
    ) {
        words = [.reset: reset, .help: help, .status: status, .resetAll: resetAll]
    }

    public func command(for text: String) -> BuiltInCommand? {
        let text = text.trimmingWhitespace()
        for command in BuiltInCommand.allCases {
            if words[command, default: []].contains(where: { $0.caseInsensitiveCompare(text) == .orderedSame }) {
                return command
            }
        }
        return nil
    }
}
