import Foundation
public import Logging
public import SwitchboardCore
import SwitchboardServer

/// The engine of the engine tests, one builder: one generic bot `bot` (secret ``secret``) whose
/// answers go to `callback` (none: nowhere) — or `adapter` in its place —, one backend `b` with a route `all` to it unless
/// `rules` says otherwise, the time of `clock` when given, a real HTTP client unless `transport` is given, polls every 50 ms and quick retries; `configure`
/// changes the rest.
///
/// ```swift
/// let engine = TestEngine.make(store: InMemoryStateStore(), backend: ScriptedBackend(answer: "pong"), callback: callback) {
///     $0.leaseDuration = .seconds(6)
/// }
/// ```
public enum TestEngine {
    public static let secret = "engine-test-secret-0123456789"

    public static func make(
        store: any StateStore,
        backend: any ChatBackend,
        callback: LoopbackServer?,
        rules: [RoutingRule] = [RoutingRule(name: "all", backend: "b")],
        replicaID: String = "test",
        transport: (any HTTPTransport)? = nil,
        logger: Logger = quietLogger,
        clock: ManualClock? = nil,
        adapter: (any ChatAdapter)? = nil,
        configure: (inout EngineConfiguration) -> Void = { _ in }
    ) -> Engine {
        var configuration = EngineConfiguration(replicaID: replicaID)
        configuration.pollInterval = .milliseconds(50)
        configuration.retry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(20), maxDelay: .milliseconds(50))
        configure(&configuration)
        let adapter = adapter ?? GenericAdapter(botID: "bot", secret: secret, callbackURL: callback.flatMap { URL(string: "\($0.url)/callback") })
        let now: @Sendable () -> Date
        if let clock { now = { clock.read() } } else { now = { Date() } }
        return Engine(
            store: store, router: RoutingTable(rules: rules), backends: ["b": backend], adapters: [adapter.botID: adapter],
            transport: transport ?? AsyncHTTPClientTransport(), configuration: configuration, logger: logger, clock: now
        )
    }

    /// Warnings and worse: what a failing test should show, not every job's line.
    public static var quietLogger: Logger {
        var logger = Logger(label: "engine-test")
        logger.logLevel = .warning
        return logger
    }
}
