import ArgumentParser
import ServiceLifecycle
import SwitchboardCore
import SwitchboardServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server. With no configuration it starts on an embedded default (echo backend, one generic bot)."
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Listen on this port instead of the configured one (0 picks a free port).")
    var port: Int?

    @Option(name: .long, help: "Listen on this address instead of the configured one.")
    var host: String?

    @Option(name: .long, help: "Record every bot's raw requests and frames into this folder, as fixture cases for `fixture make` (overrides record.dir). They hold production payloads: do not share them as they are.")
    var record: String?

    func run() async throws {
        let logger = try options.bootstrapLogging()
        OpenFileLimit.raiseToHardLimit()
        // Before the first use of NIO's shared event loops (the HTTP client's and the server's).
        EventLoopThreads.fitToAffinity()
        let transport = AsyncHTTPClientTransport()
        let setup = try withConfigErrorsReported {
            try options.setup(transport: transport, logger: logger) { configuration in
                if let port { configuration.server.port = port }
                if let host { configuration.server.host = host }
                if let record { Self.record(into: record, &configuration) }
            }
        }
        for warning in setup.warnings { printError("warning: \(warning)") }
        let store: any StateStore
        do {
            store = try await setup.state.open()
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        // Before anything records: handles made earlier would stay no-ops.
        let metrics = setup.configuration.telemetry.metrics ? MetricsBootstrap.bootstrap() : nil
        let telemetry: [any Service]
        do {
            telemetry = try TracingBootstrap.bootstrap(setup.configuration.telemetry, logger: logger)
        } catch {
            printError("error: telemetry: cannot start the OTLP exporter: \(error); check telemetry.otlp_endpoint")
            throw ExitCode.failure
        }
        let (configOptions, portOverride, hostOverride, recordOverride) = (options, port, host, record)
        let switchboard = Switchboard(
            setup: setup, store: store, transport: transport, logger: logger, metrics: metrics, telemetryServices: telemetry,
            rebuild: {
                try configOptions.setup(transport: transport, logger: logger) { configuration in
                    if let portOverride { configuration.server.port = portOverride }
                    if let hostOverride { configuration.server.host = hostOverride }
                    if let recordOverride { Self.record(into: recordOverride, &configuration) }
                }
            }
        )
        try await switchboard.run(
            onListening: { port in printError(Self.banner(setup: setup, port: port)) },
            onAdminListening: { port in
                let host = setup.configuration.admin?.host ?? "127.0.0.1"
                printError("admin console on http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)/admin (metrics: /metrics there)")
            }
        )
    }

    /// `--record DIR`: every bot (unless `record.bots` names some), into DIR.
    static func record(into directory: String, _ configuration: inout SwitchboardConfiguration) {
        var settings = configuration.record ?? RecordSettings(directory: directory)
        settings.directory = directory
        configuration.record = settings
    }

    /// What the server serves, for people.
    static func banner(setup: SwitchboardSetup, port: Int) -> String {
        let configuration = setup.configuration
        let host = configuration.server.host == "0.0.0.0" ? "127.0.0.1" : configuration.server.host
        let base = "http://\(host):\(port)"
        var lines = ["switchboard listening on \(base) (config: \(configuration.file ?? "none"); state: \(setup.state))"]
        for id in setup.botIDs {
            guard let adapter = setup.adapters[id] else { continue }
            lines.append("  bot \(id) (\(adapter.platform)): " + (adapter.longConnection ?? "\(base)/webhooks/\(id)"))
        }
        if configuration.file == "(embedded default)" {
            lines.append("  the local bot's secret is in \(DefaultConfiguration.secretFile) (or $\(DefaultConfiguration.secretVariable))")
        }
        if let record = configuration.record {
            let bots = record.bots.map { $0.sorted().joined(separator: ", ") } ?? "every bot"
            lines.append("  recording \(bots) into \(record.directory) (production payloads: do not share them as they are; `switchboard fixture make` turns a case into a fixture)")
        }
        lines.append("  health: \(base)/healthz  readiness: \(base)/readyz" + (configuration.admin == nil ? "  metrics: \(base)/metrics" : ""))
        return lines.joined(separator: "\n")
    }
}
