import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardServer

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "See Switchboard work with no accounts and no configuration.",
        discussion: """
            Starts the server with one bot per platform scenario (fake keys), the echo backend and a \
            local sink standing in for the platforms' APIs, then plays each plugin's scenarios with \
            real signed and encrypted requests — for the built-ins a WeCom app message, a WeCom AI-bot \
            group @-message with its stream polls and the same over the AI bot's long connection, a \
            Feishu group @-message and its redelivery over a webhook and over the long connection, and \
            a DingTalk group message — printing for each the decoded event, the route taken and what \
            would be sent. Ends by itself.
            """
    )

    @Option(name: .long, help: "Play only this plugin's scenarios (e.g. wecom, feishu, dingtalk).")
    var plugin: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let plugins = SwitchboardCLI.plugins.plugins.filter { plugin == nil || $0.name == plugin }
        let scenarios = plugins.flatMap(\.demos)
        guard !scenarios.isEmpty else {
            let names = SwitchboardCLI.plugins.plugins.filter { !$0.demos.isEmpty }.map(\.name)
            throw ValidationError("--plugin: no scenarios for \(plugin ?? "any plugin"); plugins with a demo: \(names.joined(separator: ", "))")
        }
        try await DemoSink.withRunning(answers: scenarios.flatMap(\.sinkAnswers)) { sink in
            let yaml = Self.yaml(scenarios, sink: sink.url)
            let root = try ConfigLoader(environment: [:]).load(yaml: yaml, file: "demo")
            var configuration = try SwitchboardConfiguration(root: root, replicaID: "demo")
            configuration.server.host = "127.0.0.1"
            configuration.server.port = 0
            let logger = Logger(label: "demo")
            let transport = AsyncHTTPClientTransport()
            let setup = try SwitchboardSetup(
                configuration: configuration, adapters: SwitchboardCLI.plugins.adapters, backends: SwitchboardCLI.plugins.backends,
                stateStores: StateStoreRegistry([InMemoryStateStoreFactory()], defaultKind: "memory"),
                environment: FactoryEnvironment(transport: transport, logger: logger)
            )
            let switchboard = Switchboard(setup: setup, store: try await setup.state.open(), transport: transport, logger: logger)
            try await Self.withServer(switchboard) { port in
                let run = DemoRun(
                    server: "http://127.0.0.1:\(port)", transport: transport, sink: sink, setup: setup, secrets: scenarios.flatMap(\.secrets).filter { !$0.isEmpty }
                )
                try await run.play(scenarios)
            }
        }
    }

    /// The demo's configuration: the echo backend and the scenarios' bots (the first scenario of a
    /// bot says its settings).
    static func yaml(_ scenarios: [DemoScenario], sink: String) -> String {
        var seen: Set<String> = []
        let bots = scenarios.filter { seen.insert($0.botID).inserted }.map { "  \($0.botID): \($0.bot(sink))" }
        return (["backends: {echo: {type: echo, delay_ms: 250}}", "bots:"] + bots + ["engine: {poll_interval: 50ms}"]).joined(separator: "\n")
    }

    /// Runs the server on a free port for the length of `body`, then stops it as SIGTERM does.
    static func withServer(_ switchboard: Switchboard, _ body: @Sendable (Int) async throws -> Void) async throws {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let service = ClosureService { try await switchboard.run(gracefulShutdownSignals: []) { listening.yield($0); listening.finish() } }
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "demo")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// A service that runs a closure.
private struct ClosureService: Service {
    let body: @Sendable () async throws -> Void

    init(_ body: @escaping @Sendable () async throws -> Void) {
        self.body = body
    }

    func run() async throws {
        try await body()
    }
}
