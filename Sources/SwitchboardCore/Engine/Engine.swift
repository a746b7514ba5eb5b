public import Foundation
public import Logging
public import ServiceLifecycle
import CoreMetrics
import SwitchboardTelemetry
import Synchronization

/// Owns the store, the router, the backends and the adapters. ``accept(_:)`` is the only way in:
/// it deduplicates and persists, so the caller can ack at once. Running as a `Service`, the
/// engine leases jobs and works on them — route ▸ backend ▸ deliver ▸ complete — at most
/// `concurrency` at a time, one at a time per conversation, in order.
public final class Engine: EventSink, Service {
    let store: any StateStore
    /// The bots, backends and routes work uses: one snapshot that ``swap(_:)`` replaces whole.
    /// A job pins the snapshot it was leased under (``pinned``) and keeps it to the end.
    private let live: Mutex<Snapshot>
    let transport: any HTTPTransport
    let configuration: EngineConfiguration
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Whether the store answers; says an outage once and its end once.
    public let storeHealth: StoreHealth
    /// `events_total` per bot, made once: `accept` runs per webhook.
    private let eventCounters: Mutex<[String: EventCounters]>
    /// Ids known to be claimed in the store: a redelivery is answered without a write.
    let recentClaims = RecentClaims()
    /// Reply state the store did not take during an outage (``UnsavedReplyStates``).
    let unsavedReplyStates = UnsavedReplyStates()
    /// Where recorded long-connection frames go (`serve --record`); nil: not recorded.
    private let frameRecorder = Mutex<(@Sendable (_ frame: Data, _ bot: String, _ platform: String, _ reply: Data?, _ events: [ChatEvent], _ now: Date) -> Void)?>(nil)

    private let signals: AsyncStream<Signal>
    private let signal: AsyncStream<Signal>.Continuation
    private let phase = Mutex(Phase.idle)

    /// What a reload replaces.
    public struct Snapshot: Sendable {
        public var router: RoutingTable
        public var backends: [String: any ChatBackend]
        public var adapters: [String: any ChatAdapter]

        public init(router: RoutingTable, backends: [String: any ChatBackend], adapters: [String: any ChatAdapter]) {
            self.router = router
            self.backends = backends
            self.adapters = adapters
        }
    }

    /// The snapshot of the job this task works on.
    @TaskLocal static var pinned: Snapshot?

    /// The job's snapshot inside a job, else the latest.
    var snapshot: Snapshot { Self.pinned ?? live.withLock { $0 } }
    var router: RoutingTable { snapshot.router }
    var backends: [String: any ChatBackend] { snapshot.backends }
    var adapters: [String: any ChatAdapter] { snapshot.adapters }

    /// Replaces bots, backends and routes for new work; jobs already running keep theirs.
    public func swap(_ snapshot: Snapshot) {
        let counters = snapshot.adapters.mapValues { EventCounters(.bot($0.botID, platform: $0.platform)) }
        live.withLock { $0 = snapshot }
        eventCounters.withLock { $0 = counters }
    }

    private enum Signal {
        case work, finished, shutdown, drainDeadline
    }

    private enum Phase {
        case idle, running, draining, stopped
    }

    public init(
        store: any StateStore,
        router: RoutingTable,
        backends: [String: any ChatBackend],
        adapters: [String: any ChatAdapter],
        transport: any HTTPTransport,
        configuration: EngineConfiguration,
        logger: Logger = Logger(label: "switchboard.engine"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        live = Mutex(Snapshot(router: router, backends: backends, adapters: adapters))
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        storeHealth = StoreHealth(logger: logger, clock: clock)
        eventCounters = Mutex(adapters.mapValues { EventCounters(.bot($0.botID, platform: $0.platform)) })
        (signals, signal) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .unbounded)
    }

    /// Whether the worker loop runs and takes new work (for `/readyz`).
    public var isRunning: Bool {
        phase.withLock { $0 == .running }
    }

    // MARK: Intake

    /// Deduplicates and persists the events; returns once they are durable. Events no rule would
    /// answer are not stored at all. Throws when the store fails, so the caller answers with an
    /// error and the platform redelivers: nothing is acked that was not kept.
    ///
    /// Each job keeps the caller's trace context (the webhook's span), so its work joins that trace.
    public func holdLease(_ name: String, ttl: Duration) async throws -> Bool {
        try await store.holdLease(name, owner: configuration.replicaID, ttl: ttl, now: Date())
    }

    /// Hands every long-connection frame the adapters receive to `recorder` (`serve --record`).
    public func recordFrames(_ recorder: @escaping @Sendable (_ frame: Data, _ bot: String, _ platform: String, _ reply: Data?, _ events: [ChatEvent], _ now: Date) -> Void) {
        frameRecorder.withLock { $0 = recorder }
    }

    public func record(frame: Data, bot: String, platform: String, reply: Data?, events: [ChatEvent]) {
        guard let recorder = frameRecorder.withLock({ $0 }) else { return }
        recorder(frame, bot, platform, reply, events, clock())
    }

    public func releaseLease(_ name: String) async throws {
        try await store.releaseLease(name, owner: configuration.replicaID)
    }

    public func accept(_ events: [ChatEvent]) async throws -> AcceptResult {
        var result = AcceptResult()
        let traceContext = TraceContext.current()
        let router = self.router
        for event in events {
            let counters = eventCounters.withLock { $0[event.bot] } ?? EventCounters(.bot(event.bot, platform: event.platform))
            let now = clock()
            if recentClaims.contains(event.id, now: now, ttl: configuration.dedupTTL) {
                result.duplicates.append(event.id)
                counters.duplicate.increment()
                logger.info("redelivery dropped", metadata: ["event_id": "\(event.id)", "bot": "\(event.bot)"])
                continue
            }
            let event = try await addressed(event, router: router, now: now)
            let decision = router.route(event)
            guard let orderingKey = Self.orderingKey(for: event, decision: decision) else {
                logger.debug("event needs no answer", metadata: ["event_id": "\(event.id)", "bot": "\(event.bot)"])
                counters.ignored.increment()
                continue
            }
            if case .reply(let match) = decision, match.features.debounce != nil {
                // Before the job, so that the job always finds its message in the burst.
                try await storeHealth.watch { try await store.addToBurst(Self.burstKey(match, event), item: event.id, text: match.query, now: now) }
            }
            let job = Job(event: event, orderingKey: orderingKey, traceContext: traceContext)
            let fresh = try await storeHealth.watch { try await store.enqueue(job, dedupTTL: configuration.dedupTTL, now: now) }
            // Claimed either way: by this enqueue, or earlier (the store said so).
            recentClaims.insert(event.id, at: now)
            if fresh {
                result.accepted.append(event.id)
                counters.accepted.increment()
                BotStatusBoard.shared.eventAccepted(bot: event.bot)
                RecentActivity.shared.messageAccepted()
            } else {
                result.duplicates.append(event.id)
                counters.duplicate.increment()
                logger.info("redelivery dropped", metadata: ["event_id": "\(event.id)", "bot": "\(event.bot)"])
            }
        }
        if !result.accepted.isEmpty { signal.yield(.work) }
        return result
    }

    /// Whether a route answers `event` (pure routing, no I/O): what ``WebhookContext/willAnswer``
    /// asks.
    public func willAnswer(_ event: ChatEvent) -> Bool {
        let router = self.router
        var event = event
        event.principal = router.policy.identities.principal(for: event) ?? event.principal
        return router.answers(event)
    }

    /// Jobs of one backend conversation run in order; different ones run concurrently. Nil when
    /// nothing will answer the event. Commands have an order of their own, so `/reset` is not
    /// stuck behind the answer it is meant to stop.
    private static func orderingKey(for event: ChatEvent, decision: RouteDecision) -> String? {
        switch decision {
        case .ignore: nil
        case .reply(let match): match.scopeKey(for: event)
        case .command(_, let targets): targets.first.map { $0.scopeKey(for: event) + "|command" }
        }
    }

    // MARK: Worker loop

    public func run() async throws {
        phase.withLock { $0 = .running }
        defer { phase.withLock { $0 = .stopped } }
        let signal = self.signal
        let pollInterval = configuration.pollInterval
        let drainTimeout = configuration.drainTimeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: pollInterval)
                    signal.yield(.work)
                }
            }
            await withGracefulShutdownHandler {
                var inFlight = 0
                var draining = false
                signal.yield(.work)
                for await event in signals {
                    switch event {
                    case .work: break
                    case .finished: inFlight -= 1
                    case .shutdown:
                        guard !draining else { break }
                        draining = true
                        phase.withLock { $0 = .draining }
                        logger.info("draining", metadata: ["jobs_in_flight": "\(inFlight)"])
                        group.addTask {
                            try? await Task.sleep(for: drainTimeout)
                            signal.yield(.drainDeadline)
                        }
                    case .drainDeadline:
                        logger.warning("drain deadline passed; interrupting jobs", metadata: ["jobs_in_flight": "\(inFlight)"])
                        return
                    }
                    if draining {
                        if inFlight == 0 { return }
                        continue
                    }
                    for lease in await leaseJobs(limit: configuration.concurrency - inFlight) {
                        inFlight += 1
                        group.addTask {
                            await self.process(lease)
                            signal.yield(.finished)
                        }
                    }
                }
            } onGracefulShutdown: {
                signal.yield(.shutdown)
            }
            group.cancelAll()
        }
    }

    private func leaseJobs(limit: Int) async -> [JobLease] {
        guard limit > 0 else { return [] }
        let request = LeaseRequest(
            owner: configuration.replicaID, limit: limit, duration: configuration.leaseDuration,
            maxAttempts: configuration.retry.maxAttempts, now: clock()
        )
        // An outage is logged once by storeHealth; the next poll tries again. Bounded: a call a
        // driver lost (PostgreSQL restarted under it) would otherwise stop every poll after it;
        // jobs such a call leases after all are given back at once.
        let store = self.store
        return (try? await storeHealth.watch {
            try await withTimeLimit(storeCallLimit) { try await store.lease(request) } late: { leases in
                for lease in leases { try? await store.release(lease) }
            }
        }) ?? []
    }

    /// How long a poll or a completion may take before it counts as failed: a third of the
    /// lease, and at least ten seconds — a guard against a call that never returns, not a
    /// measure (a busy machine takes seconds to get to a task). Renewals have their own bound.
    var storeCallLimit: Duration {
        max(configuration.leaseDuration / 3, .seconds(10))
    }
}

/// One bot's `events_total` series.
private struct EventCounters: Sendable {
    let accepted: Counter
    let duplicate: Counter
    let ignored: Counter

    init(_ labels: MetricLabels) {
        accepted = Meter.counter(MetricName.events, labels.with("result", "accepted"))
        duplicate = Meter.counter(MetricName.events, labels.with("result", "duplicate"))
        ignored = Meter.counter(MetricName.events, labels.with("result", "ignored"))
    }
}
