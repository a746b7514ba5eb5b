/// What applies to every route: access lists, a rate limit, who the admins are, and linked
/// identities (`access:`, `rate_limit:`, `admins:` and `identities:` at the top of the config).
public struct ConversationPolicy: Sendable, Equatable {
    public var access: AccessRules
    public var rateLimit: RateLimit?
    /// Who may use the admin commands in chat (`/status`, `/reset all`).
    public var admins: AccountList
    public var identities: IdentityDirectory

    public init(access: AccessRules = AccessRules(), rateLimit: RateLimit? = nil, admins: AccountList = AccountList([]), identities: IdentityDirectory = IdentityDirectory()) {
        self.access = access
        self.rateLimit = rateLimit
        self.admins = admins
        self.identities = identities
    }

    public func isAdmin(_ event: ChatEvent) -> Bool {
        admins.containsSender(of: event)
    }
}

/// What a route adds to a conversation beyond choosing the backend (all off by default).
public struct RouteFeatures: Sendable, Equatable {
    /// `follow_up: 2m`: after the bot answered someone in a group, their next messages there within
    /// this time count as addressed to the bot, without @.
    public var followUp: Duration?
    /// `debounce: 1500ms`: messages from one person in one scope that follow each other within
    /// this time are answered once, as one query.
    public var debounce: Duration?
    public var rateLimit: RateLimit?
    public var access: AccessRules
    /// `identity: linked` (with `scope: per_user`): a linked person has one conversation across
    /// platforms, and the backend knows them by their principal.
    public var linkedIdentity: Bool

    public init(followUp: Duration? = nil, debounce: Duration? = nil, rateLimit: RateLimit? = nil, access: AccessRules = AccessRules(), linkedIdentity: Bool = false) {
        self.followUp = followUp
        self.debounce = debounce
        self.rateLimit = rateLimit
        self.access = access
        self.linkedIdentity = linkedIdentity
    }

    /// `follow-up 2m, debounce 1.5s, …` for `switchboard check`; empty when none is on.
    public var summary: String {
        var parts: [String] = []
        if let followUp { parts.append("follow-up \(followUp.configText)") }
        if let debounce { parts.append("debounce \(debounce.configText)") }
        if let rateLimit { parts.append("rate limit \(rateLimit.summary)") }
        if !access.isEmpty { parts.append("access: \(access.summary)") }
        if linkedIdentity { parts.append("identity linked") }
        return parts.joined(separator: "; ")
    }
}

extension Duration {
    /// `2m`, `1500ms`, `90s` — as a config file would say it.
    public var configText: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 && seconds > 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
