/// A bot as the routing table's validation sees it.
public struct BotDescription: Sendable {
    public var id: String
    public var platform: String
    public var capabilities: AdapterCapabilities

    public init(id: String, platform: String, capabilities: AdapterCapabilities) {
        self.id = id
        self.platform = platform
        self.capabilities = capabilities
    }
}

/// A rule that is legal but will not do what it looks like it does.
public struct RoutingWarning: Sendable, Equatable, CustomStringConvertible {
    public var rule: String
    public var message: String

    public init(rule: String, message: String) {
        self.rule = rule
        self.message = message
    }

    public var description: String { "route \(rule): \(message)" }
}

/// A rule that cannot be used (unknown backend, duplicate name).
public struct RoutingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var rule: String
    public var message: String

    public init(rule: String, message: String) {
        self.rule = rule
        self.message = message
    }

    public var description: String { "route \(rule): \(message)" }
}

extension RoutingTable {
    /// Builds the table, refusing unknown backends and duplicate rule names, and returns warnings
    /// for rules that can never fire, or fire less than they seem to.
    public static func validated(
        rules: [RoutingRule],
        commands: CommandWords = CommandWords(),
        policy: ConversationPolicy = ConversationPolicy(),
        backends: Set<String>,
        bots: [BotDescription]
    ) throws -> (table: RoutingTable, warnings: [RoutingWarning]) {
        var seen = Set<String>()
        for rule in rules {
            guard seen.insert(rule.name).inserted else {
                throw RoutingError(rule: rule.label, message: "name: another route has the same name; names must be unique")
            }
            guard backends.contains(rule.backend) else {
                let known = backends.isEmpty ? "none are configured" : "configured backends: \(backends.sorted().joined(separator: ", "))"
                throw RoutingError(rule: rule.label, message: "backend: unknown backend; \(known)")
            }
        }
        var warnings: [RoutingWarning] = []
        if rules.isEmpty {
            warnings.append(RoutingWarning(rule: "-", message: "there are no routes, so no message will be answered"))
        }
        for (index, rule) in rules.enumerated() {
            warnings += Self.warnings(for: rule, earlier: rules[..<index], bots: bots)
            warnings += Self.featureWarnings(for: rule, policy: policy, bots: bots)
        }
        if !policy.admins.isEmpty, [BuiltInCommand.status, .resetAll].allSatisfy({ commands.words[$0, default: []].isEmpty }) {
            warnings.append(RoutingWarning(rule: "-", message: "admins are listed but the admin commands (status, reset_all) have no words"))
        }
        return (RoutingTable(rules: rules, commands: commands, policy: policy), warnings)
    }

    /// Follow-ups where groups deliver only @-messages, a linked identity nobody is linked for.
    private static func featureWarnings(for rule: RoutingRule, policy: ConversationPolicy, bots: [BotDescription]) -> [RoutingWarning] {
        var warnings: [RoutingWarning] = []
        let reached = bots.filter { bot in
            (rule.platforms?.contains(bot.platform) ?? true) && (rule.bots?.contains(bot.id) ?? true)
        }
        if rule.features.followUp != nil, rule.chatType != .direct {
            let mentionOnly = Set(reached.filter { !$0.capabilities.groupsDeliverUnmentionedMessages }.map(\.platform))
            for platform in mentionOnly.sorted() {
                warnings.append(RoutingWarning(
                    rule: rule.label,
                    message: "follow_up cannot work in \(platform) groups: only messages that @-mention the bot arrive there"
                ))
            }
        }
        if rule.features.linkedIdentity, policy.identities.principals.isEmpty {
            warnings.append(RoutingWarning(rule: rule.label, message: "identity: linked, but identities: links no accounts, so every user keeps one conversation per platform"))
        }
        return warnings
    }

    private static func warnings(for rule: RoutingRule, earlier: ArraySlice<RoutingRule>, bots: [BotDescription]) -> [RoutingWarning] {
        let warn = { RoutingWarning(rule: rule.label, message: $0) }
        if let shadow = earlier.first(where: { $0.covers(rule) }) {
            return [warn("never fires: the earlier route \(shadow.name) takes every message it would match")]
        }
        let reached = bots.filter { bot in
            (rule.platforms?.contains(bot.platform) ?? true) && (rule.bots?.contains(bot.id) ?? true)
        }
        if reached.isEmpty {
            return [warn("never fires: no configured bot matches its platform and bot filters")]
        }
        if case .mention = rule.trigger, rule.chatType == .direct {
            return [warn("never fires: direct messages do not @-mention the bot; use chat: direct without mention")]
        }
        var warnings: [RoutingWarning] = []
        switch rule.trigger {
        case .keywords, .prefix, .regex:
            guard rule.chatType != .direct else { break }
            let mentionOnly = Set(reached.filter { !$0.capabilities.groupsDeliverUnmentionedMessages }.map(\.platform))
            for platform in mentionOnly.sorted() {
                warnings.append(warn(
                    "in \(platform) groups only messages that @-mention the bot arrive, so this \(rule.trigger.name) rule fires there only on @-messages"
                ))
            }
        case .mention, .any:
            break
        }
        return warnings
    }
}

extension RoutingRule {
    /// Whether this rule fires on every message `other` could fire on (so `other`, coming later,
    /// never fires).
    func covers(_ other: RoutingRule) -> Bool {
        guard case .any = trigger else { return false }
        func wider<T>(_ mine: Set<T>?, _ theirs: Set<T>?) -> Bool {
            guard let mine else { return true }
            guard let theirs else { return false }
            return theirs.isSubset(of: mine)
        }
        let chatTypeCovers = chatType == nil || chatType == other.chatType
        return wider(platforms, other.platforms) && wider(bots, other.bots) && chatTypeCovers && wider(chatIDs, other.chatIDs)
    }
}
