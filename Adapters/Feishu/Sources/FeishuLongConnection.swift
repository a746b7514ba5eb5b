import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTelemetry
import Synchronization
import Tracing
import WSCore

/// `intake: websocket` (platforms-2.md §1): the app's long connection. One socket at a time, owned
/// by this service's task: endpoint discovery ▸ connect ▸ ping at once and every `PingInterval` ▸
/// read frames (fragments put together) ▸ each event stored, then acknowledged — an event that
/// cannot be stored is not acknowledged, so Feishu pushes it again. When the socket ends, the next
/// one is opened by the `ClientConfig`'s rules (a random wait first, then `ReconnectInterval`);
/// a client error (credentials, the 50-connection limit, a banned app) stops it for good, said in
/// one line. On shutdown the socket is closed and nothing reconnects.
struct FeishuLongConnection: Service {
    let adapter: FeishuAppAdapter
    let sink: any EventSink
    let transport: any HTTPTransport
    let logger: Logger
    /// How a reconnect waits (tests shorten it).
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    func run() async throws {
        await cancelWhenGracefulShutdown { await connectAgainAndAgain() }
    }

    private var labels: MetricLabels { .bot(adapter.botID, platform: adapter.platform) }

    private func connectAgainAndAgain() async {
        let config = ClientConfigBox()
        // The tries of the current reconnect loop; the socket's handler starts them over.
        let attempts = ReconnectTries()
        defer { up(false) }
        while !Task.isCancelled {
            let reason: String
            do {
                let endpoint = try await FeishuEndpoint.discover(
                    host: adapter.api.host, appID: adapter.appID, appSecret: adapter.appSecret, botID: adapter.botID, transport: transport
                )
                if let first = endpoint.config { config.value.withLock { $0.apply(first) } }
                try await connect(endpoint, config: config) { attempts.reset() }
                reason = "the server closed the connection"
            } catch let error as FeishuLongConnectionError where error.kind == .stop {
                logger.error("\(error); not reconnecting", metadata: ["bot": "\(adapter.botID)"])
                return
            } catch {
                reason = "\(error)"
            }
            guard !Task.isCancelled else { return }
            up(false)
            let attempt = attempts.next()
            let policy = config.value.withLock { $0 }
            if policy.reconnectCount >= 0, attempt > policy.reconnectCount {
                logger.error(
                    "the Feishu long connection ended and the server's ReconnectCount (\(policy.reconnectCount)) is used up; not reconnecting: restart or reload to try again",
                    metadata: ["bot": "\(adapter.botID)", "reason": "\(reason)"]
                )
                return
            }
            let delay = policy.delay(beforeAttempt: attempt)
            Meter.increment(MetricName.reconnects, labels)
            logger.warning("the Feishu long connection ended; reconnecting", metadata: ["bot": "\(adapter.botID)", "reason": "\(reason)", "in": "\(delay)"])
            try? await sleep(delay)
        }
    }

    private func up(_ isUp: Bool) {
        Meter.set(MetricName.connectionUp, labels, isUp ? 1 : 0)
        BotStatusBoard.shared.connection(bot: adapter.botID, up: isUp)
    }

    /// One socket, from upgrade to close: returns when the server closes it, throws when it fails.
    /// `connected` runs once the socket is up: the reconnect loop's tries start over then, as the
    /// SDKs' do (platforms-3.md §7), not only after a clean close.
    private func connect(_ endpoint: FeishuEndpoint, config: ClientConfigBox, connected: @escaping @Sendable () -> Void) async throws {
        let close: WebSocketCloseFrame?
        do {
            close = try await FeishuSocketDial.connect(url: endpoint.url, maxFrameSize: 16 << 20, closeTimeout: .seconds(5), logger: logger) { inbound, outbound, _ in
                logger.info("Feishu long connection open", metadata: ["bot": "\(adapter.botID)", "endpoint": "\(endpoint.redactedURL)"])
                connected()
                up(true)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // A ping at once, then every PingInterval — read afresh each time, since
                        // a pong may change it while the pinger waits.
                        let ping = try FeishuFrames.ping(service: endpoint.service).serializedBytes() as [UInt8]
                        var last = ContinuousClock.now
                        try await outbound.write(.binary(ByteBuffer(bytes: ping)))
                        while !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(250))
                            guard ContinuousClock.now - last >= config.value.withLock({ $0.pingInterval }) else { continue }
                            last = .now
                            try await outbound.write(.binary(ByteBuffer(bytes: ping)))
                        }
                    }
                    group.addTask {
                        var fragments = FeishuFragments()
                        for try await message in inbound.messages(maxSize: 16 << 20) {
                            guard case .binary(let buffer) = message else { continue }  // text frames are ignored, as the SDKs do
                            try await handle(Data(buffer.readableBytesView), fragments: &fragments, config: config, outbound: outbound)
                        }
                    }
                    // The reader ends when the socket closes; the pinger then stops too.
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch let refused as FeishuSocketDial.Refused {
            throw FeishuHandshake.classify(refused, botID: adapter.botID)
        }
        // A close by the server (normal, or going away) ends a session cleanly; anything else — a
        // protocol error, a connection lost without a close frame — is a failure, said as such.
        switch close?.closeCode {
        case .normalClosure?, .goingAway?: return
        case let code?: throw FeishuLongConnectionError(botID: adapter.botID, kind: .retry, detail: "the connection ended with close code \(code)")
        case nil: throw FeishuLongConnectionError(botID: adapter.botID, kind: .retry, detail: "the connection was lost without a close frame")
        }
    }

    private func handle(_ bytes: Data, fragments: inout FeishuFragments, config: ClientConfigBox, outbound: WebSocketOutboundWriter) async throws {
        let received = ContinuousClock.now
        let frame: Pbbp2_Frame
        do {
            frame = try FeishuFrames.parse(bytes)
        } catch {
            logger.warning("a Feishu frame that is not protobuf was dropped", metadata: ["bot": "\(adapter.botID)"])
            return
        }
        if frame.method == FeishuFrames.control {
            if frame.type == "pong", !frame.payload.isEmpty, let json = try? JSONParser.parse(frame.payload) {
                config.value.withLock { $0.apply(json) }
            }
            return
        }
        guard frame.type == "event" else { return }  // `card`: the legacy card callback, never answered
        let messageID = frame.header("message_id") ?? ""
        let payload: Data
        switch fragments.add(messageID: messageID, seq: frame.header("seq").flatMap(Int.init) ?? 0, sum: frame.header("sum").flatMap(Int.init) ?? 1, payload: frame.payload) {
        case .complete(let whole): payload = whole
        case .waiting: return
        case .invalid(let reason):
            logger.warning("a Feishu fragment was dropped: \(reason)", metadata: ["bot": "\(adapter.botID)", "message_id": "\(messageID)"])
            return
        }
        var decoded: [ChatEvent] = []
        do {
            let events = try adapter.events(in: frame, payload: payload) ?? []
            decoded = events
            if !events.isEmpty {
                // Durable before the ack; a redelivered event is acknowledged again once stored.
                try await Traces.span(SpanName.webhook, ofKind: .consumer) { span in
                    span?.attributes[SpanAttributeKey.bot] = adapter.botID
                    span?.attributes[SpanAttributeKey.platform] = adapter.platform
                    span?.attributes[SpanAttributeKey.eventID] = events.first?.id
                    span?.attributes[SpanAttributeKey.events] = events.count
                    _ = try await sink.accept(events)
                }
            }
        } catch let rejection as WebhookRejection {
            // Acknowledged all the same: unacknowledged, Feishu would push an event that can never
            // be decoded again and again.
            logger.warning("a Feishu event was not understood; acknowledged and dropped", metadata: ["bot": "\(adapter.botID)", "reason": "\(rejection.reason)"])
        } catch {
            // Not stored: no ack, so Feishu pushes it again (platforms-2.md §1.7).
            logger.error("a Feishu event could not be stored; not acknowledged, Feishu will push it again", metadata: ["bot": "\(adapter.botID)", "error": "\(error)"])
            return
        }
        let elapsed = ContinuousClock.now - received
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let ack = try adapter.ack(frame, payload: payload, processingMilliseconds: milliseconds)
        // A frame whole in itself is kept as received; a fragmented one is not (a case is one frame).
        if frame.header("sum").flatMap(Int.init) ?? 1 <= 1 {
            sink.record(frame: bytes, bot: adapter.botID, platform: adapter.platform, reply: ack, events: decoded)
        }
        try await outbound.write(.binary(ByteBuffer(bytes: ack)))
    }
}

/// The tries of one reconnect loop: counted by the loop, started over by a socket that came up.
final class ReconnectTries: Sendable {
    private let count = Mutex(0)

    func next() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }

    func reset() {
        count.withLock { $0 = 0 }
    }
}

/// The connection's current `ClientConfig`, shared by the reader (a pong may change it) and the
/// pinger and reconnect loop (which read it).
final class ClientConfigBox: Sendable {
    let value = Mutex(FeishuClientConfig())
}
