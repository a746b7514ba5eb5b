/// `identities:` — platform accounts that are one person:
///
/// ```yaml
/// identities:
///   zhangsan: [wecom:wecom-app:zhangsan, feishu:feishu-main:ou_84aa…, dingtalk:dingtalk-main:user123]
/// ```
///
/// An account is `platform:bot:user id` (the user id may itself hold colons). A route with
/// `scope: per_user` and `identity: linked` gives the principal one conversation across them.
public struct IdentityDirectory: Sendable, Equatable {
    /// `platform:bot:user` ▸ principal.
    public private(set) var principals: [String: String]

    public init() {
        principals = [:]
    }

    /// Links `accounts` to `principal`. Throws the account already linked to another principal.
    public mutating func link(_ principal: String, accounts: [String]) throws(IdentityConflict) {
        for account in accounts {
            if let other = principals[account], other != principal {
                throw IdentityConflict(account: account, principals: [other, principal])
            }
            principals[account] = principal
        }
    }

    /// The principal the event's sender is linked to.
    public func principal(for event: ChatEvent) -> String? {
        principals.isEmpty ? nil : principals["\(event.platform):\(event.bot):\(event.sender.id)"]
    }

    public var principalCount: Int { Set(principals.values).count }

    /// Whether `account` is written as `platform:bot:user`.
    public static func isAccount(_ account: String) -> Bool {
        let parts = account.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty }
    }
}

/// One account listed under two principals.
public struct IdentityConflict: Error, Sendable, Equatable {
    public var account: String
    public var principals: [String]
}
