/// The ordered rules that decide which backend answers an event; first match wins. Commands
/// (`/reset`, `/help`, configured words) are checked before the rules.
///
/// Build it with ``validated(rules:commands:backends:bots:)``, which refuses a table that names an
/// unknown backend and reports rules that can never fire.
public struct RoutingTable: Sendable {
    public let rules: [RoutingRule]
    public let commands: CommandWords
    /// Access lists, the global rate limit, admins and linked identities.
    public let policy: ConversationPolicy

    /// A table without validation; prefer ``validated(rules:commands:backends:bots:)``.
    public init(rules: [RoutingRule], commands: CommandWords = CommandWords(), policy: ConversationPolicy = ConversationPolicy()) {
        self.rules = rules
        self.commands = commands
        self.policy = policy
    }

    /// Decides what to do with `event`. Pure and fast: no I/O. (Whether a group message without @
    /// is addressed to the bot — a reply to the bot, a follow-up — is decided before, with the
    /// store: see `Engine.accept`.)
    public func route(_ event: ChatEvent) -> RouteDecision {
        guard event.kind == .message, policy.access.admits(event) else { return .ignore }
        if let command = commands.command(for: event.text) {
            let addressed = event.conversation.type == .direct || event.mentionsBot
            guard addressed else { return .ignore }
            let targets = rules.filter { $0.admits(event) }.map { $0.match(query: event.text) }
            return targets.isEmpty ? .ignore : .command(command, targets: targets)
        }
        for rule in rules where rule.admits(event) {
            if let query = rule.trigger.fire(on: event) {
                return .reply(rule.match(query: query))
            }
        }
        return .ignore
    }

    /// Whether a route that admits `event` keeps a follow-up window (so an unaddressed group
    /// message is worth a look in the store).
    public func hasFollowUp(for event: ChatEvent) -> Bool {
        rules.contains { $0.features.followUp != nil && $0.admits(event) }
    }

    /// Whether some route answers `event` — a command or a rule (``WebhookContext/willAnswer``).
    public func answers(_ event: ChatEvent) -> Bool {
        if case .ignore = route(event) { false } else { true }
    }

    /// The default table of `serve` with no configuration: direct chats and @-mentions are answered
    /// by `backend`.
    public static func answeringDirectAndMentions(backend: String) -> RoutingTable {
        RoutingTable(rules: [
            RoutingRule(name: "direct", chatType: .direct, trigger: .any, backend: backend),
            RoutingRule(name: "mentioned", chatType: .group, trigger: .mention, backend: backend),
        ])
    }
}
