/// The ordered rules that decide which backend answers an event; first match wins. Commands
/// (`/reset`, `/help`, configured words) are checked before the rules.
///
/// Build it with ``validated(rules:commands:backends:bots:)``, which refuses a table that names an
/// unknown backend and reports rules that can never fire.
public struct RoutingTable: Sendable {
    public let rules: [RoutingRule]
    public let commands: CommandWords

    /// A table without validation; prefer ``validated(rules:commands:backends:bots:)``.
    public init(rules: [RoutingRule], commands: CommandWords = CommandWords()) {
        self.rules = rules
        self.commands = commands
    }

    /// Decides what to do with `event`. Pure and fast: no I/O.
    public func route(_ event: ChatEvent) -> RouteDecision {
        guard event.kind == .message else { return .ignore }
        if let command = commands.command(for: event.text) {
            let addressed = event.conversation.type == .direct || event.mentionsBot
            guard addressed else { return .ignore }
            let targets = rules.filter { $0.admits(event) }.map {
                RouteMatch(rule: $0.name, backend: $0.backend, scope: $0.scope, query: event.text)
            }
            return targets.isEmpty ? .ignore : .command(command, targets: targets)
        }
        for rule in rules where rule.admits(event) {
            if let query = rule.trigger.fire(on: event) {
                return .reply(RouteMatch(rule: rule.name, backend: rule.backend, scope: rule.scope, query: query))
            }
        }
        return .ignore
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
