public import Foundation
import Hummingbird
public import Logging
public import ServiceLifecycle
import Synchronization
public import SwitchboardCore
public import UnixSignals

/// A configured Switchboard, ready to run: the engine, the retention timer, the adapters'
/// long-running intakes and the HTTP server, in one `ServiceGroup`.
///
/// On SIGTERM or SIGINT the HTTP server stops accepting first, then the engine lets running jobs
/// finish (up to `engine.drain_timeout`), then `run()` returns.
public struct Switchboard: Sendable {
    public let setup: SwitchboardSetup
    let store: any StateStore
    let transport: any HTTPTransport
    let logger: Logger
    let clock: @Sendable () -> Date
    let metrics: MetricsEndpoint?
    let telemetryServices: [any Service]
    let rebuild: (@Sendable () throws -> SwitchboardSetup)?

    /// - Parameters:
    ///   - store: the opened store (`setup.state.open()`, or another for tests).
    ///   - transport: how adapters and backends reach the outside; the same one the setup's
    ///     factories were given.
    ///   - metrics: what `GET /metrics` answers; nil when the process records no metrics.
    ///   - telemetryServices: exporters to run (the OTLP span exporter): started first and stopped
    ///     last, so the spans of the last jobs are still sent.
    ///   - rebuild: reads and builds the configuration again, for a reload (SIGHUP, the admin
    ///     console); nil: no reloads.
    public init(
        setup: SwitchboardSetup,
        store: any StateStore,
        transport: any HTTPTransport,
        logger: Logger = Logger(label: "switchboard"),
        clock: @escaping @Sendable () -> Date = { Date() },
        metrics: MetricsEndpoint? = nil,
        telemetryServices: [any Service] = [],
        rebuild: (@Sendable () throws -> SwitchboardSetup)? = nil
    ) {
        self.rebuild = rebuild
        self.metrics = metrics
        self.telemetryServices = telemetryServices
        self.setup = setup
        self.store = store
        self.transport = transport
        self.logger = logger
        self.clock = clock
        // `egress:` for the fetches messages and answers steer (the server's own transport).
        (transport as? AsyncHTTPClientTransport)?.egress.apply(setup.configuration.egress)
    }

    /// Runs until a graceful-shutdown signal arrives or the task is cancelled.
    ///
    /// - Parameters:
    ///   - onListening: called with the bound port once the server accepts connections (useful
    ///     with port 0).
    ///   - gracefulShutdownSignals: the signals that start a graceful shutdown.
    ///   - onAdminListening: called with the admin listener's port, when `admin:` is configured.
    public func run(
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onAdminListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let configuration = setup.configuration
        // What a process killed mid-download left in the temporary folder.
        let stale = TemporaryFile.removeStale()
        if stale > 0 { logger.notice("removed \(stale) temporary media files left by an earlier process") }
        let engine = Engine(
            store: store, router: setup.routing, backends: setup.backends, adapters: setup.adapters,
            transport: transport, configuration: configuration.engine, logger: logger, clock: clock
        )
        let notifier = LiveNotifier(setup.notifier(transport: transport, logger: logger))
        let live = LiveSetup(setup)
        let recorder = configuration.record.map { TrafficRecorder(settings: $0, logger: logger) }
        if let recorder {
            engine.recordFrames { frame, bot, platform, reply, events, now in
                recorder.record(TrafficRecorder.Entry(
                    bot: bot, platform: platform, now: now, request: nil, frame: frame, response: WebhookResponse(status: .ok, body: reply ?? Data()), events: events
                ))
            }
        }
        let retention = RetentionService(store: store, policy: configuration.retention, logger: logger, clock: clock, health: engine.storeHealth)
        let routes = WebhookRoutes(
            adapters: setup.adapters, engine: engine, replyState: store, maxBodyBytes: configuration.server.maxBodyBytes,
            logger: logger, clock: clock, recorder: recorder,
            notify: configuration.targets.isEmpty
                ? nil : NotifyRoutes(live: notifier, maxBodyBytes: configuration.server.maxBodyBytes),
            // With the admin listener on, /metrics is served there only.
            metrics: configuration.admin == nil ? metrics : nil, metricsElsewhere: configuration.admin != nil
        )
        let mainPort = Mutex(configuration.server.port)
        let app = Application(
            router: routes.router(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.server.host, port: configuration.server.port), serverName: "switchboard"
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.server.port
                mainPort.withLock { $0 = port }
                await onListening(port)
            },
            logger: logger
        )
        let intakes = IntakeSupervisor(setup: setup, sink: engine, logger: logger)
        let reloader = rebuild.map {
            Reloader(
                live: live, engine: engine, bots: routes.bots, notifier: configuration.targets.isEmpty ? nil : notifier, intakes: intakes,
                rebuild: $0, transport: transport, logger: logger, clock: clock
            )
        }
        var adminServices: [any Service] = []
        if let admin = configuration.admin {
            let host = configuration.server.host == "0.0.0.0" ? "127.0.0.1" : configuration.server.host
            let service = AdminService(
                store: store, live: live, mainBaseURL: { "http://\(host):\(mainPort.withLock { $0 })" }, clock: clock
            )
            var reload: (@Sendable () async -> Result<String, any Error>)?
            if let reloader { reload = { await reloader.reload() } }
            var adminRoutes = AdminRoutes(
                service: service, auth: AdminAuth(token: admin.token, secureCookies: admin.isTLS, clock: clock), metrics: metrics, reload: reload, logger: logger
            )
            adminRoutes.addresses = AdminClientAddress(trustedProxies: admin.trustedProxies.compactMap(IPRange.init))
            adminServices.append(Application(
                router: adminRoutes.router(),
                configuration: ApplicationConfiguration(address: .hostname(admin.host, port: admin.port), serverName: "switchboard-admin"),
                onServerRunning: { channel in await onAdminListening(channel.localAddress?.port ?? admin.port) },
                logger: logger
            ))
        }
        // Services stop in reverse order: the HTTP server first, then the engine (draining), then
        // the long connections — an answer in flight over the WeCom AI bot's socket needs it until
        // the engine has drained — and the store's connection pool last.
        let queueGauges = QueueGauges(store: store, clock: clock)
        let hangup: [any Service] = reloader.map { [ReloadOnHangup(reloader: $0)] } ?? []
        // The recorder stops after the HTTP server, so the last requests are still written.
        let recording: [any Service] = recorder.map { [$0] } ?? []
        let services: [any Service] = telemetryServices + store.services + recording + [intakes, engine, retention, queueGauges] + hangup + adminServices + [app]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = configuration.engine.drainTimeout + .seconds(10)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
