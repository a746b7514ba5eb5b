import Foundation
import Logging
import ServiceLifecycle
public import SwitchboardCore
public import SwitchboardServer

/// A real Switchboard server on 127.0.0.1 and a free port, built from YAML with the generic
/// adapter, the echo backend, the in-memory store and the plugins given (a plugin's adapter under
/// test) — and a client for it. What it logs goes to `logs` when given.
public struct RunningSwitchboard: Sendable {
    public let port: Int
    public let transport = AsyncHTTPClientTransport()

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the server from `yaml` with `plugins` (and extra adapter and backend factories), runs
    /// `body`, and stops the server the way SIGTERM does.
    public static func run(
        yaml: String,
        environment: [String: String] = [:],
        plugins: [SwitchboardPlugin] = [],
        adapters extraAdapters: [any AdapterFactory] = [],
        backends extra: [any BackendFactory] = [],
        store: (any StateStore)? = nil,
        replicaID: String = "e2e",
        logs: LogCapture? = nil,
        _ body: (RunningSwitchboard) async throws -> Void
    ) async throws {
        let root = try ConfigLoader(environment: environment).load(yaml: yaml, file: "e2e.yaml")
        var configuration = try SwitchboardConfiguration(root: root, replicaID: replicaID)
        configuration.server.host = "127.0.0.1"
        configuration.server.port = 0
        var logger = logs?.logger(label: "e2e", level: .info) ?? Logger(label: "e2e")
        if logs == nil { logger.logLevel = .warning }
        let transport = AsyncHTTPClientTransport()
        let setup = try SwitchboardSetup(
            configuration: configuration, adapters: AdapterRegistry([GenericAdapterFactory()] + plugins.flatMap(\.adapters) + extraAdapters),
            backends: BackendRegistry([EchoBackendFactory()] + plugins.flatMap(\.backends) + extra),
            stateStores: StateStoreRegistry([InMemoryStateStoreFactory()], defaultKind: "memory"),
            environment: FactoryEnvironment(transport: transport, logger: logger)
        )
        let openedStore = if let store { store } else { try await setup.state.open() }
        let switchboard = Switchboard(setup: setup, store: openedStore, transport: transport, logger: logger)
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        // Stopped the way SIGTERM stops it: a graceful shutdown of the enclosing group.
        let group = ServiceGroup(configuration: .init(services: [ServerService(switchboard: switchboard, listening: listening)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            do {
                try await body(RunningSwitchboard(port: port))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private struct ServerService: Service {
        let switchboard: Switchboard
        let listening: AsyncStream<Int>.Continuation

        func run() async throws {
            try await switchboard.run(gracefulShutdownSignals: []) { port in
                listening.yield(port)
                listening.finish()
            }
        }
    }

    /// GETs a path of the server.
    public func get(_ path: String) async throws -> (status: Int, body: String) {
        try await send(OutboundRequest(method: .get, url: "\(url)\(path)"))
    }

    /// Sends a request and reads the whole answer.
    public func send(_ request: OutboundRequest) async throws -> (status: Int, body: String) {
        let response = try await transport.execute(request)
        return (Int(response.status.code), String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self))
    }
}
