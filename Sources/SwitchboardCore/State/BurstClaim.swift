public import Foundation

/// What ``StateStore/claimBurst(_:item:quiet:now:)`` decided for one message of a burst.
public enum BurstClaim: Sendable, Equatable {
    /// The burst may still grow: ask again at this time.
    case wait(until: Date)
    /// This message's job answers the burst: its texts in arrival order (this message's included).
    case answer([String])
    /// An earlier message's job answered this message's text with its own.
    case absorbed
    /// The message is not in the burst (it was accepted before debounce was configured, or its
    /// burst entry was purged): it is answered alone.
    case unknown
}

/// One rate-limit counter a hit is counted in (``StateStore/countHit(_:in:now:)``).
public struct HitCounter: Sendable, Equatable {
    public var key: String
    public var limit: Int
    /// Hits before this time are outside the window.
    public var since: Date

    public init(key: String, limit: Int, since: Date) {
        self.key = key
        self.limit = limit
        self.since = since
    }
}

/// A conversation forgotten by ``StateStore/resetConversations(under:now:)``.
public struct ForgottenConversation: Sendable, Equatable {
    /// The scope key that was reset.
    public var key: String
    /// The backend conversation it held, if any.
    public var stored: StoredConversation?

    public init(key: String, stored: StoredConversation?) {
        self.key = key
        self.stored = stored
    }
}

extension RetentionPolicy {
    /// How long rate-limit hits and burst entries are kept: a limit's window is at most a day.
    public static let conversationFeatureState: Duration = .seconds(2 * 24 * 3600)
}

extension String {
    /// Whether this scope key is `prefix` or lies under it (`prefix|…` or `prefix/…`): the keys
    /// ``StateStore/resetConversations(under:now:)`` resets.
    public func isScopeKey(under prefix: String) -> Bool {
        guard hasPrefix(prefix) else { return false }
        let rest = dropFirst(prefix.count)
        return rest.isEmpty || rest.first == "|" || rest.first == "/"
    }
}
