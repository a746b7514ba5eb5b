/// Reading routes and command words from configuration:
///
/// ```yaml
/// routes:
///   - {name: finance, when: {keywords: [报销, 发票]}, backend: finance}
///   - {name: mentioned, when: {mention: true}, backend: helpdesk, scope: per_user_in_chat}
///   - {name: direct, when: {chat: direct}, backend: helpdesk}
/// commands: {reset: [/reset, 重置对话], help: [/help]}
/// ```
extension RoutingRule {
    /// The keys of `when:` that choose a trigger; at most one may be given (none means `any`).
    static let triggerKeys = ["mention", "keywords", "prefix", "regex", "any"]

    /// Reads one entry of `routes:`; `index` names it when it has no `name:`.
    public init(config node: ConfigNode, index: Int) throws {
        let section = try ConfigSection(node)
        let name = try section.string("name", default: "route-\(index + 1)")
        let backend = try section.string("backend")
        var scope = ConversationScope.perUserInChat
        if let text = try section.optionalString("scope") {
            guard let parsed = ConversationScope(rawValue: text) else {
                throw section.error("scope", "must be per_user, per_chat or per_user_in_chat")
            }
            scope = parsed
        }
        let when = try section.section("when") ?? ConfigSection.empty(path: node.childPath("when"))
        let platforms = try when.stringList("platform").map(Set.init)
        let bots = try when.stringList("bot").map(Set.init)
        let chatIDs = try when.stringList("chat_ids").map(Set.init)
        var chatType: ConversationType?
        if let text = try when.optionalString("chat") {
            guard let parsed = ConversationType(rawValue: text) else { throw when.error("chat", "must be direct or group") }
            chatType = parsed
        }
        let trigger = try Self.trigger(from: when)
        try when.rejectUnknownKeys()
        let features = try RouteFeatures(config: section, scope: scope)
        try section.rejectUnknownKeys()
        self.init(
            name: name, platforms: platforms, bots: bots, chatType: chatType, chatIDs: chatIDs,
            trigger: trigger, backend: backend, scope: scope, source: node.path, features: features
        )
    }

    private static func trigger(from when: ConfigSection) throws -> Trigger {
        let given = triggerKeys.filter { when.contains($0) }
        guard given.count <= 1 else {
            throw when.error(given[1], "a route has one trigger; choose one of \(triggerKeys.joined(separator: ", "))")
        }
        switch given.first {
        case nil:
            return .any
        case "mention":
            guard try when.bool("mention", default: true) else {
                throw when.error("mention", "mention: false matches nothing; leave it out to match every message")
            }
            return .mention
        case "any":
            guard try when.bool("any", default: true) else { throw when.error("any", "any: false matches nothing") }
            return .any
        case "keywords":
            let words = try when.stringList("keywords") ?? []
            guard !words.isEmpty, !words.contains(where: \.isEmpty) else { throw when.error("keywords", "must list non-empty words") }
            return .keywords(words)
        case "prefix":
            let prefixes = try when.stringList("prefix") ?? []
            guard !prefixes.isEmpty, !prefixes.contains(where: \.isEmpty) else { throw when.error("prefix", "must not be empty") }
            return .prefix(prefixes)
        default:
            let source = try when.string("regex")
            do {
                return .regex(try Trigger.Pattern(source))
            } catch {
                throw when.error("regex", "is not a valid regular expression")
            }
        }
    }
}

extension CommandWords {
    /// Reads `commands:`; a command that is not listed keeps its default words.
    public init(config section: ConfigSection) throws {
        self.init()
        for command in BuiltInCommand.allCases {
            if let list = try section.stringList(command.rawValue) {
                guard !list.contains(where: \.isEmpty) else { throw section.error(command.rawValue, "must list non-empty words") }
                words[command] = list
            }
        }
        try section.rejectUnknownKeys()
    }
}
