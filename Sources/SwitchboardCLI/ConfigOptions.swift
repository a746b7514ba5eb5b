import ArgumentParser
import Foundation
import Logging
import OTel
import SwitchboardCore
import SwitchboardServer

/// `--config` and `--log-level`, and turning them into a built setup.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file. Default: $SWITCHBOARD_CONFIG, else ./switchboard.yaml if present, else the embedded default.")
    var config: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical. Default: $LOG_LEVEL, else info.")
    var logLevel: String?

    /// The file to read, or nil for the embedded default.
    var configFile: String? {
        if let config { return config }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SWITCHBOARD_CONFIG"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return FileManager.default.fileExists(atPath: DefaultConfiguration.conventionalFile) ? DefaultConfiguration.conventionalFile : nil
    }

    func bootstrapLogging() throws -> Logger {
        let text = logLevel ?? ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        // Log lines written inside a span carry its trace_id and span_id (when tracing is on).
        LoggingSystem.bootstrap({ label, metadataProvider in
            var handler = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
        }, metadataProvider: OTel.makeLoggingMetadataProvider())
        return Logger(label: "switchboard")
    }

    /// Loads, builds and checks the configuration. `adjust` may change settings (such as the port)
    /// before anything is built.
    func setup(
        transport: any HTTPTransport,
        logger: Logger,
        adjust: (inout SwitchboardConfiguration) -> Void = { _ in }
    ) throws -> SwitchboardSetup {
        let root: ConfigNode
        if let file = configFile {
            root = try ConfigLoader().load(file: file)
        } else {
            var environment = ProcessInfo.processInfo.environment
            environment[DefaultConfiguration.secretVariable] = try DefaultConfiguration.localSecret(environment: environment)
            root = try ConfigLoader(environment: environment).load(yaml: DefaultConfiguration.yaml, file: "(embedded default)")
        }
        var configuration = try SwitchboardConfiguration(root: root, replicaID: Self.replicaID)
        adjust(&configuration)
        return try SwitchboardSetup(
            configuration: configuration, adapters: SwitchboardCLI.plugins.adapters, backends: SwitchboardCLI.plugins.backends,
            stateStores: SwitchboardCLI.plugins.stateStores, environment: FactoryEnvironment(transport: transport, logger: logger)
        )
    }

    /// Names this process's job leases: host, pid and a random part.
    static var replicaID: String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt16.random(in: .min ... .max))"
    }
}

/// Prints `message` on stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Reports a configuration problem in one line and exits non-zero; other errors propagate.
func withConfigErrorsReported<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ConfigError {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}
