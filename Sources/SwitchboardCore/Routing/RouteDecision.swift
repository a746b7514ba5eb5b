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

    public init(rule: String, backend: String, scope: ConversationScope, query: String) {
        self.rule = rule
        self.backend = backend
        self.scope = scope
        self.query = query
    }
}

public enum BuiltInCommand: String, Sendable, CaseIterable {
    /// Forget the backend conversation, so the next message starts a new one.
    case reset
    /// List the commands.
    case help
}

/// The words that invoke the built-in commands. A message is a command when its whole text is one
/// of the words (case-insensitive); in groups it must also @-mention the bot.
public struct CommandWords: Sendable, Equatable {
    public var words: [BuiltInCommand: [String]]

    public init(reset: [String] = ["/reset", "重置对话"], help: [String] = ["/help"]) {
        words = [.reset: reset, .help: help]
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
