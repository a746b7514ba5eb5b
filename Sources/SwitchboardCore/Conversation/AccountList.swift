/// A list of people or chats as written in the configuration, by platform id. An entry names an
/// id on any bot (`ou_84aa…`), on one bot (`feishu-main:ou_84aa…`) or on one platform's bot
/// (`feishu:feishu-main:ou_84aa…`); a sender linked to a principal also matches `principal:<name>`.
public struct AccountList: Sendable, Equatable {
    public var entries: Set<String>

    public init(_ entries: some Sequence<String>) {
        self.entries = Set(entries)
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Whether the event's sender is listed.
    public func containsSender(of event: ChatEvent) -> Bool {
        contains(event.sender.id, of: event) || event.principal.map { entries.contains("principal:\($0)") } == true
    }

    /// Whether the event's chat is listed.
    public func containsChat(of event: ChatEvent) -> Bool {
        contains(event.conversation.id, of: event)
    }

    private func contains(_ id: String, of event: ChatEvent) -> Bool {
        entries.contains(id) || entries.contains("\(event.bot):\(id)") || entries.contains("\(event.platform):\(event.bot):\(id)")
    }
}

/// Who may talk to the bot: allow lists (when given, only those listed) and deny lists (never
/// those listed), of users and of chats. Deny wins.
public struct AccessRules: Sendable, Equatable {
    public var allowUsers: AccountList?
    public var allowChats: AccountList?
    public var denyUsers: AccountList?
    public var denyChats: AccountList?

    public init(allowUsers: AccountList? = nil, allowChats: AccountList? = nil, denyUsers: AccountList? = nil, denyChats: AccountList? = nil) {
        self.allowUsers = allowUsers
        self.allowChats = allowChats
        self.denyUsers = denyUsers
        self.denyChats = denyChats
    }

    public var isEmpty: Bool { allowUsers == nil && allowChats == nil && denyUsers == nil && denyChats == nil }

    public func admits(_ event: ChatEvent) -> Bool {
        if denyUsers?.containsSender(of: event) == true || denyChats?.containsChat(of: event) == true { return false }
        if let allowUsers, !allowUsers.containsSender(of: event) { return false }
        // A direct chat's id is the user's on most platforms: an allow list of chats admits a
        // direct chat only when that id is listed too.
        if let allowChats, !allowChats.containsChat(of: event) { return false }
        return true
    }

    /// `allow 2 users, deny 1 chat` — for `switchboard check`.
    public var summary: String {
        func count(_ list: AccountList?, _ noun: String) -> String? {
            list.map { "\($0.entries.count) \(noun)\($0.entries.count == 1 ? "" : "s")" }
        }
        var parts: [String] = []
        let allowed = [count(allowUsers, "user"), count(allowChats, "chat")].compactMap { $0 }
        let denied = [count(denyUsers, "user"), count(denyChats, "chat")].compactMap { $0 }
        if !allowed.isEmpty { parts.append("allow " + allowed.joined(separator: " and ")) }
        if !denied.isEmpty { parts.append("deny " + denied.joined(separator: " and ")) }
        return parts.joined(separator: ", ")
    }
}
