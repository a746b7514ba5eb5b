import Foundation
import HummingbirdWSClient
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTelemetry
import Tracing

/// Stream mode (platforms.md §3d): one WebSocket per bot to DingTalk's gateway. Each connection
/// starts with a fresh ticket from `POST /v1.0/gateway/connections/open`. A robot CALLBACK is
/// handed to the engine and acked as soon as the event is persisted — never after the backend.
/// `SYSTEM ping` is answered; `SYSTEM disconnect` opens the next connection first and closes this
/// one once the next is up; a lost connection is replaced after a jittered, capped, growing wait.
/// On shutdown the socket is closed and nothing reconnects.
struct DingTalkStreamService: Service {
    let adapter: DingTalkAppAdapter
    let sink: any EventSink
    let transport: any HTTPTransport
    let logger: Logger
    /// How a reconnect waits (tests record the waits instead of sleeping them).
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// A connection that stayed up this long starts the reconnect waits over; one that ends
    /// sooner (refused, or closed at once again and again) keeps them growing.
    var stableAfter: Duration = .seconds(30)

    enum Signal: Sendable {
        case established(Int)
        case moveRequested(Int, Latch)
        case ended(Int, String?)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await supervise() }
    }

    /// Keeps exactly one connection current: starts the first, a replacement when the current one
    /// asks to move or ends, and closes a moving one once its replacement is established.
    private func supervise() async {
        let (signals, signal) = AsyncStream.makeStream(of: Signal.self)
        let labels = MetricLabels.bot(adapter.botID, platform: adapter.platform)
        defer {
            Meter.set(MetricName.connectionUp, labels, 0)
            BotStatusBoard.shared.connection(bot: adapter.botID, up: false)
        }
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            var current = 0
            var failures = 0
            var retiring: [Int: Latch] = [:]
            var establishedAt: [Int: ContinuousClock.Instant] = [:]
            group.addTask { await connection(0, signal: signal) }
            next = 1
            for await event in signals {
                switch event {
                case .established(let id):
                    establishedAt[id] = .now
                    if id == current {
                        Meter.set(MetricName.connectionUp, labels, 1)
                        BotStatusBoard.shared.connection(bot: adapter.botID, up: true)
                    }
                    for (old, latch) in retiring where old != id {
                        latch.open()
                        retiring[old] = nil
                    }
                case .moveRequested(let id, let latch):
                    retiring[id] = latch
                    guard id == current else { continue }
                    let id = next
                    next += 1
                    current = id
                    logger.info("DingTalk asked to move; opening a new Stream connection", metadata: ["bot": "\(adapter.botID)"])
                    group.addTask { await connection(id, signal: signal) }
                case .ended(let id, let error):
                    retiring[id]?.open()
                    retiring[id] = nil
                    let lasted = establishedAt.removeValue(forKey: id).map { ContinuousClock.now - $0 }
                    guard id == current, !Task.isCancelled else { continue }
                    if let lasted, lasted >= stableAfter { failures = 0 }
                    Meter.set(MetricName.connectionUp, labels, 0)
                    Meter.increment(MetricName.reconnects, labels)
                    BotStatusBoard.shared.connection(bot: adapter.botID, up: false)
                    failures += 1
                    let delay = adapter.reconnect.delay(afterAttempt: failures)
                    logger.warning(
                        "the DingTalk Stream connection ended; reconnecting", metadata: ["bot": "\(adapter.botID)", "reason": "\(error ?? "closed")", "in": "\(delay)"]
                    )
                    let id = next
                    next += 1
                    current = id
                    group.addTask {
                        try? await sleep(delay)
                        guard !Task.isCancelled else { return }
                        await connection(id, signal: signal)
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// One connection, from ticket to close. Always ends with `.ended`.
    private func connection(_ id: Int, signal: AsyncStream<Signal>.Continuation) async {
        do {
            let url = try await openTicket()
            var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: .seconds(30)))
            configuration.closeTimeout = .seconds(5)
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                signal.yield(.established(id))
                let leave = Latch()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Close this connection when told to (its replacement is up) or cancelled.
                        await withTaskCancellationHandler { await leave.wait() } onCancel: { leave.open() }
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            try await handle(Data(text.utf8), connection: id, leave: leave, outbound: outbound, signal: signal)
                        }
                    }
                    // Whichever finishes first (the server closed, or we close) ends the other.
                    try await group.next()
                    group.cancelAll()
                }
            }
            signal.yield(.ended(id, nil))
        } catch {
            signal.yield(.ended(id, String(describing: error)))
        }
    }

    private func handle(_ frame: Data, connection id: Int, leave: Latch, outbound: WebSocketOutboundWriter, signal: AsyncStream<Signal>.Continuation) async throws {
        let result: StreamFrameResult
        do {
            result = try adapter.decodeStreamFrame(frame, now: Date())
        } catch {
            // Acked all the same when it names itself: unacked, DingTalk would redeliver a frame
            // that can never be decoded, for ever.
            let messageID = DingTalkStreamFrames.messageID(in: frame)
            logger.warning(
                "a DingTalk Stream frame was not understood; acknowledged and dropped",
                metadata: ["bot": "\(adapter.botID)", "message_id": "\(messageID ?? "unknown: nothing to ack")", "reason": "\(error)"]
            )
            if let messageID {
                try await outbound.write(.text(String(decoding: DingTalkStreamFrames.ack(messageID, data: #"{"response":null}"#), as: UTF8.self)))
            }
            return
        }
        if !result.events.isEmpty {
            // Persisted (and deduplicated) before the ack: a redelivered frame is acked again, once
            // stored. The frame's intake is the trace's first span, as a webhook's is.
            do {
                try await Traces.span(SpanName.webhook, ofKind: .consumer) { span in
                    span?.attributes[SpanAttributeKey.bot] = adapter.botID
                    span?.attributes[SpanAttributeKey.platform] = adapter.platform
                    span?.attributes[SpanAttributeKey.eventID] = result.events.first?.id
                    span?.attributes[SpanAttributeKey.events] = result.events.count
                    _ = try await sink.accept(result.events)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Not stored: not acked, so DingTalk delivers it again; the connection stays (a new
                // one would only ask for a ticket a second, and meet the same store).
                logger.error(
                    "a DingTalk Stream message could not be stored; not acknowledged, DingTalk will deliver it again",
                    metadata: ["bot": "\(adapter.botID)", "message_id": "\(DingTalkStreamFrames.messageID(in: frame) ?? "?")", "error": "\(error)"]
                )
                return
            }
        }
        sink.record(frame: frame, bot: adapter.botID, platform: adapter.platform, reply: result.reply, events: result.events)
        if let reply = result.reply {
            try await outbound.write(.text(String(decoding: reply, as: UTF8.self)))
        }
        if result.reconnect {
            // Keep reading here until the replacement is up; then `leave` opens and this one closes.
            signal.yield(.moveRequested(id, leave))
        }
    }

    /// `POST /v1.0/gateway/connections/open` ▸ `endpoint?ticket=…` (tickets are one-shot).
    private func openTicket() async throws -> String {
        var subscriptions: [JSONValue] = [["type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"]]
        // AI cards are delivered with callbackType STREAM: their buttons' clicks come here too.
        if adapter.aiCard { subscriptions.append(["type": "CALLBACK", "topic": .string(DingTalkCardCallback.topic)]) }
        let body: JSONValue = [
            "clientId": .string(adapter.appKey), "clientSecret": .string(adapter.appSecret),
            "subscriptions": .array(subscriptions), "ua": "switchboard", "localIp": "",
        ]
        let answer = try await DingTalkAPI.exchange(
            url: adapter.gatewayBase + "/v1.0/gateway/connections/open", api: "gateway/connections/open", botID: adapter.botID, body: body, transport: transport
        )
        guard let endpoint = answer["endpoint"]?.string, let ticket = answer["ticket"]?.string else {
            throw DingTalkAPIError(botID: adapter.botID, api: "gateway/connections/open", kind: .notJSON)
        }
        return endpoint + (endpoint.contains("?") ? "&" : "?") + "ticket=" + PercentEncoding.queryValue(ticket)
    }
}
