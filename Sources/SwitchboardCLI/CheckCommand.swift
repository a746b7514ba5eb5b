import ArgumentParser
import SwitchboardCore
import SwitchboardServer

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and routes; list bots, webhook paths, routes and warnings. Exits non-zero on errors.",
        discussion: "With --online, also asks every backend whether it is reachable and configured right (Dify: GET /info, else /parameters)."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Also call every backend: reachable, key rejected or wrong app type. Exits non-zero if one is not reachable and right.")
    var online = false

    func run() async throws {
        let logger = try options.bootstrapLogging()
        let setup = try withConfigErrorsReported {
            try options.setup(transport: AsyncHTTPClientTransport(), logger: logger)
        }
        printError(Self.report(setup))
        guard online else { return }
        let (report, healthy) = await Self.onlineReport(setup.backends)
        printError(report)
        if !healthy { throw ExitCode.failure }
    }

    /// One line per backend, checked concurrently; `healthy` when none failed.
    static func onlineReport(_ backends: [String: any ChatBackend]) async -> (report: String, healthy: Bool) {
        let checks = await withTaskGroup(of: (String, BackendCheck).self) { group in
            for (name, backend) in backends {
                group.addTask { (name, await backend.checkOnline()) }
            }
            return await group.reduce(into: [String: BackendCheck]()) { $0[$1.0] = $1.1 }
        }
        var lines = ["", "online:"]
        var healthy = true
        for name in checks.keys.sorted() {
            let check = checks[name]!
            let mark = switch check.status {
            case .reachable: "ok"
            case .notChecked: "-"
            case .keyRejected, .wrongAppType, .unreachable: "FAILED"
            }
            if mark == "FAILED" { healthy = false }
            lines.append("  \(name): \(check.status.rawValue) [\(mark)] \(check.detail)")
        }
        return (lines.joined(separator: "\n"), healthy)
    }

    /// The global conversation settings, one line each.
    static func conversationPolicy(_ policy: ConversationPolicy) -> [String] {
        [
            "access: " + (policy.access.isEmpty ? "everyone" : policy.access.summary),
            "rate limit: " + (policy.rateLimit?.summary ?? "none"),
            "admins: " + (policy.admins.isEmpty ? "none (/status and /reset all are refused)" : "\(policy.admins.entries.count) (may use /status and /reset all)"),
            "identities: " + (policy.identities.principals.isEmpty
                ? "none linked"
                : "\(policy.identities.principals.count) accounts linked to \(policy.identities.principalCount) people"),
        ]
    }

    static func report(_ setup: SwitchboardSetup) -> String {
        let configuration = setup.configuration
        var lines = ["config: \(configuration.file ?? "none") is valid", "", "state: \(setup.state)", "", "bots:"]
        if setup.botIDs.isEmpty { lines.append("  (none)") }
        for id in setup.botIDs {
            guard let adapter = setup.adapters[id] else { continue }
            if let connection = adapter.longConnection {
                lines.append("  \(id) (\(adapter.platform)): \(connection) — opened by Switchboard, no public URL needed")
            } else {
                lines.append("  \(id) (\(adapter.platform)): GET|POST /webhooks/\(id)")
            }
        }
        lines += ["", "backends: \(setup.backends.keys.sorted().joined(separator: ", "))", "", "routes (first match wins):"]
        for (index, rule) in setup.routing.rules.enumerated() {
            lines.append("  \(index + 1). \(rule)")
            let features = rule.features.summary
            lines.append("     " + (features.isEmpty ? "conversation features: none" : features))
        }
        lines += ["", "for every route:"] + conversationPolicy(setup.routing.policy).map { "  " + $0 }
        let commands = BuiltInCommand.allCases.map { "\($0.rawValue): \(setup.routing.commands.words[$0, default: []].joined(separator: ", "))" }
        lines += ["", "commands: \(commands.joined(separator: "; "))"]
        if !configuration.targets.isEmpty {
            lines += ["", "notification targets:"]
            for target in configuration.targets {
                let destination = [target.destination.chat.map { "chat \($0)" }, target.destination.user.map { "user \($0)" }].compactMap { $0 }
                lines.append("  \(target.name): POST /notify/\(target.name) ▸ bot \(target.bot)\(destination.isEmpty ? "" : " (\(destination.joined(separator: ", ")))")")
            }
        }
        if !setup.warnings.isEmpty {
            lines += ["", "warnings:"] + setup.warnings.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
