public import Logging
public import SwitchboardCore

/// Everything a configuration describes, built: the bots' adapters, the backends and the checked
/// routing table, plus the routing warnings to show.
public struct SwitchboardSetup: Sendable {
    public let configuration: SwitchboardConfiguration
    /// Bot id ▸ adapter.
    public private(set) var adapters: [String: any ChatAdapter]
    /// Bot id ▸ its settings as written (after `${…}`), to tell a changed bot from an unchanged one
    /// on reload. Holds secrets: never logged.
    let botFingerprints: [String: String]
    /// Bot ids in file order.
    public let botIDs: [String]
    public let backends: [String: any ChatBackend]
    public let routing: RoutingTable
    /// The checked `state:` settings; ``StateStoreOpener/open()`` opens the store.
    public let state: any StateStoreOpener
    public let warnings: [String]

    /// Builds every bot and backend through the registries and checks the routes. Throws a
    /// ``ConfigError`` naming the file and key for the first problem.
    public init(
        configuration: SwitchboardConfiguration,
        adapters adapterRegistry: AdapterRegistry,
        backends backendRegistry: BackendRegistry,
        stateStores: StateStoreRegistry,
        environment: FactoryEnvironment
    ) throws {
        self.configuration = configuration
        state = try stateStores.makeOpener(config: configuration.state, environment: environment)
        var warnings: [String] = []
        var backendSections = configuration.backends
        if backendSections.isEmpty {
            backendSections = [("echo", try ConfigSection(ConfigNode(.map([("type", ConfigNode(.scalar("echo")))]), path: "backends.echo")))]
            warnings.append("backends: none configured; using the echo backend, which repeats each message")
        }
        var backends: [String: any ChatBackend] = [:]
        for (name, section) in backendSections {
            backends[name] = try backendRegistry.makeBackend(name: name, config: section, environment: environment)
        }
        var adapters: [String: any ChatAdapter] = [:]
        for (id, section) in configuration.bots {
            adapters[id] = try adapterRegistry.makeAdapter(botID: id, config: section, environment: environment)
        }
        if adapters.isEmpty {
            warnings.append("bots: none configured, so nothing can reach the server")
        }
        if let warning = configuration.admin?.exposureWarning { warnings.append(warning) }
        for (id, _) in configuration.bots {
            for warning in adapters[id]?.setupWarnings ?? [] { warnings.append("bots.\(id): \(warning)") }
        }
        let rules = try Self.rules(configuration: configuration, backendNames: backendSections.map(\.name))
        let bots = configuration.bots.compactMap { bot in
            adapters[bot.id].map { BotDescription(id: bot.id, platform: $0.platform, capabilities: $0.capabilities) }
        }
        do {
            let validated = try RoutingTable.validated(
                rules: rules, commands: configuration.commands, policy: configuration.policy, backends: Set(backends.keys), bots: bots
            )
            routing = validated.table
            warnings += validated.warnings.map(\.description)
        } catch let error as RoutingError {
            throw ConfigError(file: configuration.file, key: "", reason: error.description)
        }
        if let problem = Notifier.check(configuration.targets, adapters: adapters).first {
            throw ConfigError(file: configuration.file, key: problem.key, reason: problem.reason)
        }
        self.adapters = adapters
        botFingerprints = Dictionary(configuration.bots.map { ($0.id, $0.section.node.canonicalText) }, uniquingKeysWith: { first, _ in first })
        self.botIDs = configuration.bots.map(\.id)
        self.backends = backends
        self.warnings = warnings
    }

    /// This setup, keeping `old`'s adapter for every bot whose settings did not change (its token
    /// cache and its long connection stay as they are).
    func reusing(adaptersFrom old: SwitchboardSetup) -> SwitchboardSetup {
        var copy = self
        for (id, fingerprint) in botFingerprints where old.botFingerprints[id] == fingerprint {
            if let adapter = old.adapters[id] { copy.adapters[id] = adapter }
        }
        return copy
    }

    /// The configured routes, or — with no `routes:` — direct chats and @-mentions answered by the
    /// only backend.
    private static func rules(configuration: SwitchboardConfiguration, backendNames: [String]) throws -> [RoutingRule] {
        if let nodes = configuration.routes {
            return try nodes.enumerated().map { try RoutingRule(config: $1, index: $0) }
        }
        guard backendNames.count == 1 else {
            throw ConfigError(file: configuration.file, key: "routes", reason: "required when more than one backend is configured")
        }
        return RoutingTable.answeringDirectAndMentions(backend: backendNames[0]).rules
    }

    /// Sends notifications to the configured targets (`POST /notify`, `switchboard send`).
    public func notifier(transport: any HTTPTransport, logger: Logger) -> Notifier {
        Notifier(targets: configuration.targets, adapters: adapters, transport: transport, logger: logger)
    }
}

extension ConfigNode {
    /// The node's content as one canonical text (keys in file order), for comparing settings.
    var canonicalText: String {
        switch value {
        case .null: "~"
        case .scalar(let text): "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .list(let items): "[" + items.map(\.canonicalText).joined(separator: ",") + "]"
        case .map(let entries): "{" + entries.map { "\($0.key):\($0.node.canonicalText)" }.joined(separator: ",") + "}"
        }
    }
}
