import ArgumentParser
import SwitchboardCore
import SwitchboardServer

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and routes; list bots, webhook paths, routes and warnings. Exits non-zero on errors."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let logger = try options.bootstrapLogging()
        let setup = try withConfigErrorsReported {
            try options.setup(transport: AsyncHTTPClientTransport(), logger: logger)
        }
        printError(Self.report(setup))
    }

    static func report(_ setup: SwitchboardSetup) -> String {
        let configuration = setup.configuration
        var lines = ["config: \(configuration.file ?? "none") is valid", "", "state: \(setup.state)", "", "bots:"]
        if setup.botIDs.isEmpty { lines.append("  (none)") }
        for id in setup.botIDs {
            guard let adapter = setup.adapters[id] else { continue }
            lines.append("  \(id) (\(adapter.platform)): GET|POST /webhooks/\(id)")
        }
        lines += ["", "backends: \(setup.backends.keys.sorted().joined(separator: ", "))", "", "routes (first match wins):"]
        for (index, rule) in setup.routing.rules.enumerated() {
            lines.append("  \(index + 1). \(rule)")
        }
        let commands = BuiltInCommand.allCases.map { "\($0.rawValue): \(setup.routing.commands.words[$0, default: []].joined(separator: ", "))" }
        lines += ["", "commands: \(commands.joined(separator: "; "))"]
        if !setup.warnings.isEmpty {
            lines += ["", "warnings:"] + setup.warnings.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
