public import Foundation
public import Logging
public import ServiceLifecycle

/// One platform mode's bridge between the platform's wire format and the neutral model.
///
/// The rules every adapter meets (the conformance kit in SwitchboardTesting checks them):
/// - `receive` verifies before it parses: signatures, tokens and timestamps are checked on the raw
///   bytes first; a failure throws ``WebhookRejection`` (401/403), a bad payload 400, and neither
///   creates an event.
/// - `receive` is pure with respect to the network: verify ▸ decrypt ▸ decode ▸ normalise, using the
///   context's clock. The same request always yields the same events, with the same ids, so that a
///   redelivery is recognised.
/// - The ack in `.accept` is returned by the server only after the events are persisted; it never
///   waits for a backend.
/// - `deliver` renders and sends the reply for one event, within the platform's limits, and may be
///   called again for the same event after a failure: use ``DeliveryContext/replyState`` and
///   ``DeliveryContext/idempotencyKey`` to avoid sending a part twice.
public protocol ChatAdapter: Sendable {
    /// The platform name, as used in Event JSON and in routing rules.
    var platform: String { get }
    /// The configured bot id this adapter serves.
    var botID: String { get }
    /// Facts the router and the renderer rely on.
    var capabilities: AdapterCapabilities { get }
    /// The long connection this bot opens to receive events (`"Feishu long connection
    /// (WebSocket)"`), or nil when the platform calls its webhook. `switchboard check` shows it.
    var longConnection: String? { get }
    /// What `switchboard check` should warn about this bot as configured (a mode that cannot
    /// authenticate everything, say), one sentence each. Empty by default.
    var setupWarnings: [String] { get }

    /// Turns one webhook request into a handshake answer or accepted events.
    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound

    /// Sends the reply to `event` back to the platform.
    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt

    /// Long-running intakes (a WebSocket stream, a token refresher) that feed `sink` with events
    /// decoded by the same code as `receive`. They run in the server's `ServiceGroup`.
    func services(feeding sink: any EventSink) -> [any Service]

    /// Whether this process can deliver the answer to `event` — false when only another replica
    /// can (it holds the one connection the answer must go through). The engine then gives the job
    /// back, uncounted, before asking the backend, for the replica that can.
    func canDeliver(_ event: ChatEvent) async -> Bool
}

extension ChatAdapter {
    public func services(feeding sink: any EventSink) -> [any Service] { [] }
    public var longConnection: String? { nil }
    public var setupWarnings: [String] { [] }
    public func canDeliver(_ event: ChatEvent) async -> Bool { true }
}

/// The result of ``ChatAdapter/receive(_:context:)``.
public enum Inbound: Sendable, Equatable {
    /// Answer the request and create no event: URL verification, a challenge, a stream poll.
    case respond(WebhookResponse)
    /// Persist these events (deduplicated by id), then answer with `ack`. `events` may be empty
    /// for a verified request the bot ignores (an unknown event type): it is still acknowledged.
    case accept([ChatEvent], ack: WebhookResponse)
}

/// What `receive` may use besides the request: the clock (injected, so fixtures never go stale),
/// a logger, read access to per-reply state (to answer a platform's poll for an answer in
/// progress; nil where there is no store, as in `switchboard decode`), and whether the routing
/// table will answer an event.
public struct WebhookContext: Sendable {
    public var now: Date
    public var logger: Logger
    public var replyState: (any ReplyStateReading)?
    /// Whether a route answers this event (pure routing, no I/O). An adapter whose ack promises an
    /// answer — the WeCom AI bot's "thinking" stream frame — acks an event nobody will answer with
    /// nothing instead. Where there is no routing table (fixtures), every event counts as answered.
    public var willAnswer: @Sendable (ChatEvent) -> Bool

    public init(
        now: Date = Date(), logger: Logger = Logger(label: "switchboard.webhook"), replyState: (any ReplyStateReading)? = nil,
        willAnswer: @escaping @Sendable (ChatEvent) -> Bool = { _ in true }
    ) {
        self.now = now
        self.logger = logger
        self.replyState = replyState
        self.willAnswer = willAnswer
    }
}

/// Where events from a long-running intake go. The engine is one.
public protocol EventSink: Sendable {
    /// Deduplicates and persists the events; returns once they are durable, so the caller may ack.
    @discardableResult
    func accept(_ events: [ChatEvent]) async throws -> AcceptResult

    /// Takes or renews, for this process, the lease `name` in the shared state store — for what
    /// only one replica may do at a time (hold a bot's only allowed long connection). True while
    /// this process holds it; renew well within `ttl`.
    func holdLease(_ name: String, ttl: Duration) async throws -> Bool

    /// Gives the lease up (on shutdown), so another replica need not wait for it to expire.
    func releaseLease(_ name: String) async throws

    /// A long-connection frame as it was received, with the reply sent back and the events it
    /// gave — kept when the server records traffic (`serve --record`). Called after the events
    /// are stored; it returns at once.
    func record(frame: Data, bot: String, platform: String, reply: Data?, events: [ChatEvent])
}

extension EventSink {
    /// A sink that records nothing.
    public func record(frame: Data, bot: String, platform: String, reply: Data?, events: [ChatEvent]) {}

    /// A sink without a shared store serves one process: it always holds the lease.
    public func holdLease(_ name: String, ttl: Duration) async throws -> Bool { true }
    public func releaseLease(_ name: String) async throws {}
}

/// What ``EventSink/accept(_:)`` did with each event.
public struct AcceptResult: Sendable, Equatable {
    /// Ids of events stored as new jobs.
    public var accepted: [String]
    /// Ids of events already seen (redeliveries); dropped.
    public var duplicates: [String]

    public init(accepted: [String] = [], duplicates: [String] = []) {
        self.accepted = accepted
        self.duplicates = duplicates
    }
}

/// What `deliver` may use: the outbound transport, a stable idempotency key for the job, the
/// attempt number, and small per-reply state that survives a retry (and, with a durable store, a
/// restart).
public struct DeliveryContext: Sendable {
    public var transport: any HTTPTransport
    /// Stable across retries of one job; send it where the platform offers idempotency (Feishu
    /// `uuid`).
    public var idempotencyKey: String
    /// 1 for the first try.
    public var attempt: Int
    public var replyState: ReplyStateHandle
    public var logger: Logger

    public init(transport: any HTTPTransport, idempotencyKey: String, attempt: Int, replyState: ReplyStateHandle, logger: Logger) {
        self.transport = transport
        self.idempotencyKey = idempotencyKey
        self.attempt = attempt
        self.replyState = replyState
        self.logger = logger
    }
}

/// What a delivery sent: the platform's ids of the messages, in order.
public struct DeliveryReceipt: Sendable, Equatable {
    public var messageIDs: [String]

    public init(messageIDs: [String] = []) {
        self.messageIDs = messageIDs
    }
}
