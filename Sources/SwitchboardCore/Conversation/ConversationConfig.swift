/// Reading the conversation features from configuration:
///
/// ```yaml
/// access: {allow: {users: [...], chats: [...]}, deny: {users: [...]}}
/// rate_limit: {per_user: 20/h, per_chat: 100/h, window: fixed, notice: "…"}
/// admins: [feishu-main:ou_84aa…, wecom-app:zhangsan]
/// identities: {zhangsan: [wecom:wecom-app:zhangsan, feishu:feishu-main:ou_84aa…]}
/// routes:
///   - {name: helpdesk, when: {mention: true}, backend: dify, follow_up: 2m, debounce: 1500ms,
///      rate_limit: {per_user: 20/h}, access: {deny: {chats: [oc_…]}}}
///   - {name: me, when: {chat: direct}, backend: dify, scope: per_user, identity: linked}
/// ```
extension ConversationPolicy {
    /// Reads `access:`, `rate_limit:`, `admins:` and `identities:` from the top of the file.
    public init(config top: ConfigSection) throws {
        self.init()
        access = try AccessRules(config: top.section("access"))
        rateLimit = try top.section("rate_limit").map(RateLimit.init(config:))
        admins = AccountList(try top.stringList("admins") ?? [])
        if let section = try top.section("identities") {
            identities = try IdentityDirectory(config: section)
        }
    }
}

extension IdentityDirectory {
    init(config section: ConfigSection) throws {
        self.init()
        guard case .map(let entries) = section.node.value else { return }
        for entry in entries {
            let node = entry.node
            let accounts: [String]
            switch node.value {
            case .scalar(let text): accounts = [text]
            case .list(let items):
                accounts = try items.map { item in
                    guard let text = item.scalar else { throw item.error("must be an account like feishu:feishu-main:ou_…") }
                    return text
                }
            default:
                throw node.error("must list accounts like [wecom:wecom-app:zhangsan, feishu:feishu-main:ou_…]")
            }
            _ = section.value(entry.key)
            for account in accounts where !Self.isAccount(account) {
                throw node.error("\(account.count > 80 ? "an account" : account) is not written as platform:bot:user id (for example feishu:feishu-main:ou_…)")
            }
            do {
                try link(entry.key, accounts: accounts)
            } catch {
                throw node.error("\(error.account) is listed under two principals (\(error.principals.joined(separator: " and "))); an account belongs to one person")
            }
        }
    }
}

extension AccessRules {
    /// `access: {allow: {users, chats}, deny: {users, chats}}`; absent means everyone.
    init(config section: ConfigSection?) throws {
        self.init()
        guard let section else { return }
        if let allow = try section.section("allow") {
            allowUsers = try allow.stringList("users").map(AccountList.init)
            allowChats = try allow.stringList("chats").map(AccountList.init)
            try allow.rejectUnknownKeys()
        }
        if let deny = try section.section("deny") {
            denyUsers = try deny.stringList("users").map(AccountList.init)
            denyChats = try deny.stringList("chats").map(AccountList.init)
            try deny.rejectUnknownKeys()
        }
        try section.rejectUnknownKeys()
    }
}

extension RateLimit {
    init(config section: ConfigSection) throws {
        self.init()
        for (key, path) in [("per_user", \RateLimit.perUser), ("per_chat", \RateLimit.perChat)] {
            guard let text = try section.optionalString(key) else { continue }
            guard let allowance = Allowance(text: text) else {
                throw section.error(key, "must be a count per window like 20/h, 100/d or 5/30s (the window at most 1d)")
            }
            self[keyPath: path] = allowance
        }
        guard perUser != nil || perChat != nil else { throw section.error("per_user", "or per_chat is required in a rate_limit") }
        let text = try section.string("window", default: Window.fixed.rawValue)
        guard let window = Window(rawValue: text) else { throw section.error("window", "must be fixed or sliding") }
        self.window = window
        notice = try section.string("notice", default: RateLimit.defaultNotice)
        try section.rejectUnknownKeys()
    }
}

extension RouteFeatures {
    /// The feature keys of one `routes:` entry; `scope` is the route's, for `identity: linked`.
    init(config section: ConfigSection, scope: ConversationScope) throws {
        self.init()
        if section.contains("follow_up") {
            let followUp = try section.duration("follow_up", default: .zero)
            guard followUp >= .seconds(1), followUp <= .seconds(86_400) else { throw section.error("follow_up", "must be between 1s and 1d") }
            self.followUp = followUp
        }
        if section.contains("debounce") {
            let debounce = try section.duration("debounce", default: .zero)
            guard debounce >= .milliseconds(100), debounce <= .seconds(60) else { throw section.error("debounce", "must be between 100ms and 60s") }
            self.debounce = debounce
        }
        rateLimit = try section.section("rate_limit").map(RateLimit.init(config:))
        access = try AccessRules(config: section.section("access"))
        if let identity = try section.optionalString("identity") {
            switch identity {
            case "linked":
                guard scope == .perUser else {
                    throw section.error("identity", "linked needs scope: per_user (one conversation per person across chats and platforms)")
                }
                linkedIdentity = true
            case "account": linkedIdentity = false
            default: throw section.error("identity", "must be linked (one conversation per person across platforms) or account (the default)")
            }
        }
    }
}
