import Foundation
public import SwitchboardCore

/// The whole configuration file, read and checked:
///
/// ```yaml
/// server: {host: 0.0.0.0, port: 8080}
/// state: {sqlite: .switchboard/state.sqlite}
/// engine: {concurrency: 16}
/// telemetry: {otlp_endpoint: http://collector:4318/v1/traces}
/// backends: {echo: {type: echo}}
/// bots: {local: {platform: generic, secret: ${SECRET}, callback_url: http://…}}
/// routes: [{name: direct, when: {chat: direct}, backend: echo}]
/// commands: {reset: [/reset], help: [/help]}
/// ```
///
/// Bots and backends are kept as sections here and built by their factories in
/// ``SwitchboardSetup``, so a plugin's keys are checked by the plugin.
public struct SwitchboardConfiguration: Sendable {
    public var file: String?
    public var server: ServerSettings
    /// `telemetry:` — the OTLP traces exporter.
    public var telemetry: TelemetrySettings
    /// `admin:` — the console's listener; nil when absent.
    public var admin: AdminSettings?
    /// `record:` — raw traffic kept for `fixture make`; nil when absent (`serve --record` sets it).
    public var record: RecordSettings?
    /// `state:`, read by the store factory it names (see ``SwitchboardSetup``).
    let state: ConfigSection
    public var engine: EngineConfiguration
    public var retention: RetentionPolicy
    public var commands: CommandWords
    /// `access:`, `rate_limit:`, `admins:` and `identities:` — for every route.
    public var policy: ConversationPolicy
    let backends: [(name: String, section: ConfigSection)]
    let bots: [(id: String, section: ConfigSection)]
    /// nil when the file has no `routes:` (the defaults apply).
    let routes: [ConfigNode]?
    /// `state:` and `engine:` as written, to tell whether a reload changed them.
    let stateText: String
    let engineText: String
    /// `targets:` — where `POST /notify/<name>` and `switchboard send` deliver; checked against the
    /// bots in ``SwitchboardSetup``.
    public var targets: [NotifyTarget]
    /// `egress:` — where fetches that messages and answers steer may go (pictures, files, download
    /// links); public addresses only unless it says otherwise.
    public var egress: EgressPolicy

    /// A bot's settings as written (after `${…}`), for `fixture make`. Holds its secrets.
    public func botSettings(_ id: String) -> ConfigSection? {
        bots.first { $0.id == id }?.section
    }

    /// A bot's `mode:` as written, if it has one.
    func mode(ofBot id: String) -> String? {
        guard let section = bots.first(where: { $0.id == id })?.section, case .map(let entries) = section.node.value else { return nil }
        return entries.first { $0.key == "mode" }?.node.scalar
    }

    public init(root: ConfigNode, replicaID: String) throws {
        let top = try ConfigSection(root)
        file = root.file
        server = try ServerSettings(section: try top.section("server") ?? .empty(path: "server"))
        telemetry = try TelemetrySettings(section: try top.section("telemetry") ?? .empty(path: "telemetry"))
        admin = try top.section("admin").map(AdminSettings.init(section:))
        record = try top.section("record").map(RecordSettings.init(section:))
        egress = try EgressPolicy(config: try top.section("egress"))
        state = try top.section("state") ?? .empty(path: "state")
        let engineSection = try top.section("engine") ?? .empty(path: "engine")
        stateText = state.node.canonicalText
        engineText = engineSection.node.canonicalText
        (engine, retention) = try Self.engineSettings(engineSection, replicaID: replicaID)
        commands = try CommandWords(config: try top.section("commands") ?? .empty(path: "commands"))
        policy = try ConversationPolicy(config: top)
        let backendsSection = try top.section("backends")
        backends = try backendsSection?.subsections().map { ($0.key, $0.section) } ?? []
        bots = try (try top.section("bots"))?.subsections().map { ($0.key, $0.section) } ?? []
        routes = try top.list("routes")
        targets = try Self.targets(top, root: root)
        for bot in bots where !Self.isValidBotID(bot.id) {
            throw ConfigError(file: file, key: "bots.\(bot.id)", reason: "bot ids may use only letters, digits, - and _ (they are part of the webhook URL)")
        }
        try top.rejectUnknownKeys()
    }

    /// `notify: {token}` and `targets: {name: {bot, chat?, user?, token?}}`. Every target needs a
    /// bearer token of at least 16 characters, its own or the global one.
    private static func targets(_ top: ConfigSection, root: ConfigNode) throws -> [NotifyTarget] {
        let notify = try top.section("notify") ?? .empty(path: "notify")
        let global = try notify.optionalString("token")
        try notify.rejectUnknownKeys()
        var targets: [NotifyTarget] = []
        for (name, section) in try (try top.section("targets"))?.subsections() ?? [] {
            guard isValidBotID(name) else {
                throw ConfigError(file: root.file, key: section.path, reason: "target names may use only letters, digits, - and _ (they are part of the /notify URL)")
            }
            let target = NotifyTarget(
                name: name, bot: try section.string("bot"),
                destination: NotificationDestination(chat: try section.optionalString("chat"), user: try section.optionalString("user")),
                token: try section.optionalString("token") ?? global
            )
            guard let token = target.token else {
                throw section.error("token", "is needed to protect POST /notify/\(name): set notify.token or targets.\(name).token")
            }
            guard token.count >= 16 else { throw section.error("token", "must be at least 16 characters") }
            try section.rejectUnknownKeys()
            targets.append(target)
        }
        return targets
    }

    /// Bot ids appear in `/webhooks/<bot-id>`.
    static func isValidBotID(_ id: String) -> Bool {
        !id.isEmpty && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    private static func engineSettings(_ section: ConfigSection, replicaID: String) throws -> (EngineConfiguration, RetentionPolicy) {
        var engine = EngineConfiguration(replicaID: replicaID)
        engine.concurrency = try section.int("concurrency", default: engine.concurrency, range: 1...AsyncHTTPClientTransport.connectionsPerHost)
        engine.leaseDuration = try section.duration("lease_duration", default: engine.leaseDuration)
        engine.pollInterval = try section.duration("poll_interval", default: engine.pollInterval)
        engine.dedupTTL = try section.duration("dedup_ttl", default: engine.dedupTTL)
        engine.drainTimeout = try section.duration("drain_timeout", default: engine.drainTimeout)
        engine.mediaPerMessage = try section.int("media_per_message", default: engine.mediaPerMessage, range: 0...100)
        engine.mediaBytesPerMessage = try section.byteSize("media_bytes_per_message", default: engine.mediaBytesPerMessage, range: 1...(2 << 30))
        engine.retry.maxAttempts = try section.int("max_attempts", default: engine.retry.maxAttempts, range: 1...100)
        engine.retry.initialDelay = try section.duration("retry_initial_delay", default: engine.retry.initialDelay)
        engine.retry.maxDelay = try section.duration("retry_max_delay", default: engine.retry.maxDelay)
        guard engine.leaseDuration >= .seconds(3) else { throw section.error("lease_duration", "must be at least 3s") }
        guard engine.pollInterval > .zero else { throw section.error("poll_interval", "must be more than 0") }
        var retention = RetentionPolicy()
        retention.finishedJobs = try section.duration("finished_job_retention", default: retention.finishedJobs)
        retention.idleConversations = try section.duration("conversation_retention", default: retention.idleConversations)
        retention.purgeInterval = try section.duration("purge_interval", default: retention.purgeInterval)
        guard retention.purgeInterval > .zero else { throw section.error("purge_interval", "must be more than 0") }
        try section.rejectUnknownKeys()
        return (engine, retention)
    }
}

/// `server:` — where to listen and how much to read.
public struct ServerSettings: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port = 8080
    /// Larger webhook bodies are refused with 413 before any adapter sees them.
    public var maxBodyBytes = 1 << 20

    public init() {}

    init(section: ConfigSection) throws {
        host = try section.string("host", default: host)
        port = try section.int("port", default: port, range: 0...65535)
        maxBodyBytes = try section.int("max_body_bytes", default: maxBodyBytes, range: 1024...(64 << 20))
        try section.rejectUnknownKeys()
    }
}
