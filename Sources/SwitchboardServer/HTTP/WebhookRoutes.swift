import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore
import CoreMetrics
import SwitchboardTelemetry
import Synchronization
import Tracing

/// The HTTP surface: `GET|POST /webhooks/<bot-id>`, `POST /notify…` (``NotifyRoutes``), `/healthz`,
/// `/readyz` and `/metrics`. It only converts
/// between Hummingbird and the framework-free webhook types; the adapters and the engine do the
/// work.
struct WebhookRoutes: Sendable {
    /// The bots webhooks go to, and their metric handles; a reload replaces them.
    let bots: LiveBots
    let engine: Engine
    /// The store, for polls answered from reply state.
    let replyState: any ReplyStateReading
    let maxBodyBytes: Int
    let logger: Logger
    let clock: @Sendable () -> Date
    /// `POST /notify…`, when targets are configured.
    let notify: NotifyRoutes?
    /// `GET /metrics`, when the process records metrics.
    let metrics: MetricsEndpoint?
    /// `/metrics` is on the admin listener.
    let metricsElsewhere: Bool
    /// Keeps the raw requests of the chosen bots (`record:`); nil when off.
    let recorder: TrafficRecorder?
    private let unknownBotMeters: WebhookMeters

    init(
        adapters: [String: any ChatAdapter], engine: Engine, replyState: any ReplyStateReading, maxBodyBytes: Int, logger: Logger,
        clock: @escaping @Sendable () -> Date, recorder: TrafficRecorder? = nil, notify: NotifyRoutes?, metrics: MetricsEndpoint?,
        metricsElsewhere: Bool = false
    ) {
        self.metricsElsewhere = metricsElsewhere
        self.recorder = recorder
        bots = LiveBots(adapters)
        self.engine = engine
        self.replyState = replyState
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.clock = clock
        self.notify = notify
        self.metrics = metrics
        // An unknown bot id is whatever a caller typed: never a label.
        unknownBotMeters = WebhookMeters(.bot("_unknown", platform: "_unknown"))
    }

    /// The webhook series of one bot.
    struct WebhookMeters: Sendable {
        let labels: MetricLabels
        let ack: CoreMetrics.Timer
        /// By status class: 1xx … 5xx.
        let statuses: [Counter]

        init(_ labels: MetricLabels) {
            self.labels = labels
            ack = Meter.timer(MetricName.ackSeconds, labels)
            statuses = (1...5).map { Meter.counter(MetricName.webhooks, labels.with("status", "\($0)xx")) }
        }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/healthz") { _, _ in Self.text("ok\n", status: .ok) }
        router.get("/readyz") { _, _ in
            engine.isRunning ? Self.text("ready\n", status: .ok) : Self.text("not ready\n", status: .serviceUnavailable)
        }
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/webhooks/:bot", method: method) { request, context in
                try await webhook(request, botID: context.parameters.get("bot") ?? "")
            }
        }
        router.get("/metrics") { _, _ in MetricsEndpoint.response(metrics, servedElsewhere: metricsElsewhere) }
        notify?.register(on: router)
        return router
    }

    /// One webhook request as the `switchboard.webhook` span, counted and timed (request in ▸
    /// answer out) per bot.
    private func webhook(_ request: Request, botID: String) async throws -> Response {
        let started = ContinuousClock.now
        let (adapter, botMeters) = bots.bot(botID)
        let meters = botMeters ?? unknownBotMeters
        let response = try await Traces.span(SpanName.webhook, ofKind: .server) { span in
            span?.attributes[SpanAttributeKey.bot] = adapter == nil ? nil : botID
            let response = try await webhook(request, botID: botID, adapter: adapter, span: span)
            span?.attributes[SpanAttributeKey.httpStatus] = Int(response.status.code)
            return response
        }
        let elapsed = started.duration(to: .now)
        meters.ack.record(elapsed)
        RecentActivity.shared.acked(after: elapsed)
        let status = response.status.code
        if (100..<600).contains(status) { meters.statuses[status / 100 - 1].increment() }
        if status >= 400 {
            Meter.increment(MetricName.webhookRejections, meters.labels.with("reason", Self.rejectionReason(status: status, knownBot: adapter != nil)))
        }
        return response
    }

    /// The bounded `reason` label of a refused webhook, from its status.
    static func rejectionReason(status: Int, knownBot: Bool) -> String {
        switch status {
        case 401: "unauthorized"
        case 403: "forbidden"
        case 400: "bad_request"
        case 404 where !knownBot: "unknown_bot"
        case 405: "method"
        case 413: "too_large"
        case 503: "store_unavailable"
        default: "other"
        }
    }

    private func webhook(_ request: Request, botID: String, adapter: (any ChatAdapter)?, span: (any Span)?) async throws -> Response {
        guard let adapter else {
            return Self.text("unknown bot; webhook URLs are /webhooks/<bot-id> for the bots in the configuration\n", status: .notFound)
        }
        span?.attributes[SpanAttributeKey.platform] = adapter.platform
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            return tooLarge()
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return tooLarge()
        }
        let webhook = WebhookRequest(
            method: request.method, path: request.uri.path, rawQuery: request.uri.query,
            headers: request.headers, body: Data(buffer: body)
        )
        var logger = self.logger
        logger[metadataKey: "bot"] = "\(botID)"
        let now = clock()
        let context = WebhookContext(now: now, logger: logger, replyState: replyState, willAnswer: { [engine] in engine.willAnswer($0) })
        let result = await adapter.handle(webhook, context: context)
        var answer = result.response
        if !result.events.isEmpty {
            span?.attributes[SpanAttributeKey.events] = result.events.count
            if let first = result.events.first { span?.attributes[SpanAttributeKey.eventID] = first.id }
            do {
                let accepted = try await engine.accept(result.events)
                logger.debug("webhook accepted", metadata: ["new": "\(accepted.accepted.count)", "duplicates": "\(accepted.duplicates.count)"])
            } catch {
                // The outage itself is logged once, by the engine's store health.
                logger.debug("could not store accepted events; asking the platform to redeliver", metadata: ["error": "\(error)"])
                answer = .text("could not store the event; please redeliver\n", status: .serviceUnavailable)
            }
        }
        recorder?.record(TrafficRecorder.Entry(
            bot: botID, platform: adapter.platform, now: now, request: webhook, response: answer, events: result.events,
            dropHeaders: (adapter as? any FixtureSealing)?.credentialHeaders ?? []
        ))
        return Response(status: answer.status, headers: answer.headers, body: ResponseBody(byteBuffer: ByteBuffer(data: answer.body)))
    }

    private func tooLarge() -> Response {
        Self.text("request body larger than \(maxBodyBytes) bytes\n", status: .contentTooLarge)
    }

    private static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The bots the webhook routes serve, with each one's metric handles (made once: the webhook path
/// runs per request). A reload swaps the whole set; a request reads it once.
final class LiveBots: Sendable {
    private let state: Mutex<(adapters: [String: any ChatAdapter], meters: [String: WebhookRoutes.WebhookMeters])>

    init(_ adapters: [String: any ChatAdapter]) {
        state = Mutex((adapters, Self.meters(adapters)))
    }

    func bot(_ id: String) -> ((any ChatAdapter)?, WebhookRoutes.WebhookMeters?) {
        state.withLock { ($0.adapters[id], $0.meters[id]) }
    }

    func swap(_ adapters: [String: any ChatAdapter]) {
        let meters = Self.meters(adapters)
        state.withLock { $0 = (adapters, meters) }
    }

    private static func meters(_ adapters: [String: any ChatAdapter]) -> [String: WebhookRoutes.WebhookMeters] {
        adapters.mapValues { WebhookRoutes.WebhookMeters(.bot($0.botID, platform: $0.platform)) }
    }
}
