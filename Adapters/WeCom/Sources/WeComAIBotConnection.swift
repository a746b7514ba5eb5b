import Foundation
import HummingbirdWSClient
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTelemetry

/// The AI bot's long connection (platforms-2.md §2.2–§2.7), one socket at a time, owned by this
/// service's task: connect ▸ `aibot_subscribe` with `bot_id` and `secret` ▸ a ping every
/// `heartbeat_interval` (two unanswered in a row: the socket is dead, reconnect) ▸ pushes decoded
/// and stored before anything is sent back. Reconnects wait 1 s, 2 s, 4 s … up to 30 s; five
/// refused subscriptions in a row stop it. A `disconnected_event` means another client took the
/// bot over: it stops for good and says so, since reconnecting would only take the bot back.
struct WeComAIBotConnection: Service {
    let adapter: WeComAIBotSocketAdapter
    let sink: any EventSink
    let logger: Logger

    enum Ending: Error {
        case takenOver
        case subscribeRefused(Int, String)
        case deaf
        case leaseLost
    }

    /// WeCom allows one connection per bot: replicas share the state store's lease of this name,
    /// and only its holder connects.
    private var leaseName: String { "wecom-aibot:\(adapter.aibotID)" }

    /// One take or renewal of the lease, bounded well under the lease's life: a store that stopped
    /// answering must not keep the socket past the lease (another replica may hold it by then).
    private func holdLease() async throws -> Bool {
        let (sink, name, ttl) = (sink, leaseName, adapter.leaseTTL)
        return try await withTimeLimit(ttl / 6) { try await sink.holdLease(name, ttl: ttl) }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await connectAgainAndAgain() }
    }

    private var labels: MetricLabels { .bot(adapter.botID, platform: adapter.platform) }

    private func connectAgainAndAgain() async {
        var failures = 0
        var refusals = 0
        var standingBy = false
        defer { up(false) }
        while !Task.isCancelled {
            // Only the lease's holder connects; the others stand by and try again now and then.
            guard (try? await holdLease()) == true else {
                if !standingBy {
                    logger.notice("another replica holds the WeCom AI bot's long connection; standing by", metadata: ["bot": "\(adapter.botID)"])
                    standingBy = true
                    await adapter.link.setStandingBy(true)
                }
                try? await Task.sleep(for: adapter.leaseTTL / 3)
                continue
            }
            standingBy = false
            let reason: String
            let subscribed = Latch()
            do {
                try await connect(subscribed: subscribed)
                reason = "the server closed the connection"
            } catch Ending.takenOver {
                logger.error(
                    "another client took over WeCom AI bot \(adapter.botID) (disconnected_event); not reconnecting: check that only one Switchboard process (or other program) uses bot_id \(adapter.aibotID)",
                    metadata: ["bot": "\(adapter.botID)"]
                )
                // The lease goes, so that the bot is not left with nobody to connect once that client
                // is gone (a standing-by replica takes it then; this one does not come back).
                try? await sink.releaseLease(leaseName)
                return
            } catch Ending.leaseLost {
                reason = "the lease on the bot's connection could not be kept"
            } catch Ending.subscribeRefused(let code, let message) {
                refusals += 1
                reason = "the subscription was refused: errcode \(code) \(message); check bots.\(adapter.botID).bot_id and secret"
                if refusals >= 5 {
                    logger.error("WeCom refused the AI bot's subscription five times; not reconnecting: \(reason)", metadata: ["bot": "\(adapter.botID)"])
                    return
                }
            } catch Ending.deaf {
                reason = "two pings went unanswered"
            } catch {
                reason = "\(error)"
            }
            guard !Task.isCancelled else {
                try? await sink.releaseLease(leaseName)
                return
            }
            up(false)
            if subscribed.isOpen { (failures, refusals) = (0, 0) }
            failures += 1
            let delay = Duration.seconds(min(30, 1 << min(failures - 1, 5)))
            Meter.increment(MetricName.reconnects, labels)
            logger.warning("the WeCom AI bot's long connection ended; reconnecting", metadata: ["bot": "\(adapter.botID)", "reason": "\(reason)", "in": "\(delay)"])
            try? await Task.sleep(for: delay)
        }
    }

    private func up(_ isUp: Bool) {
        Meter.set(MetricName.connectionUp, labels, isUp ? 1 : 0)
        BotStatusBoard.shared.connection(bot: adapter.botID, up: isUp)
    }

    /// One socket; `subscribed` opens once WeCom accepted the subscription (the reconnect counters
    /// start over then).
    private func connect(subscribed: Latch) async throws {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 16 << 20)
        configuration.closeTimeout = .seconds(5)
        let link = adapter.link
        try await WebSocketClient.connect(url: adapter.url, configuration: configuration, logger: logger) { inbound, outbound, _ in
            await link.attach(outbound)
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 16 << 20) {
                            guard case .text(let text) = message else { continue }
                            try await handle(Data(text.utf8))
                        }
                    }
                    group.addTask {
                        // Subscribe first; the heartbeat starts once WeCom accepted it.
                        let reqID = WeComAIBotLink.reqID("aibot_subscribe")
                        let body: JSONValue = ["bot_id": .string(adapter.aibotID), "secret": .string(adapter.secret)]
                        let ack = try await link.request(WeComAIBotLink.frame("aibot_subscribe", reqID: reqID, body: body), reqID: reqID, timeout: .seconds(10))
                        let code = ack["errcode"]?.integer ?? -1
                        guard code == 0 else { throw Ending.subscribeRefused(code, ack["errmsg"]?.string ?? "") }
                        logger.info("WeCom AI bot long connection subscribed", metadata: ["bot": "\(adapter.botID)"])
                        subscribed.open()
                        up(true)
                        var missed = 0
                        while !Task.isCancelled {
                            try await Task.sleep(for: adapter.heartbeat)
                            let ping = WeComAIBotLink.reqID("ping")
                            do {
                                _ = try await link.request(WeComAIBotLink.frame("ping", reqID: ping), reqID: ping, timeout: adapter.heartbeat)
                                missed = 0
                            } catch let error as WeComAIBotLinkError where error.kind == .timeout {
                                missed += 1
                                if missed >= 2 { throw Ending.deaf }
                            }
                        }
                    }
                    group.addTask {
                        // Renewed while connected; lost (or not renewed in time) ▸ the socket closes,
                        // so two replicas never hold it at once.
                        var held = ContinuousClock.now
                        while !Task.isCancelled {
                            try await Task.sleep(for: adapter.leaseTTL / 3)
                            do {
                                guard try await holdLease() else { throw Ending.leaseLost }
                                held = .now
                            } catch Ending.leaseLost {
                                throw Ending.leaseLost
                            } catch {
                                // Renewals are bounded (TTL/6): the socket closes by half the lease at the latest.
                                if ContinuousClock.now - held >= adapter.leaseTTL / 2 { throw Ending.leaseLost }
                            }
                        }
                    }
                    // The reader ends when the socket closes (or on a takeover); the other task
                    // ends on a refused subscription or a dead heartbeat.
                    try await group.next()
                    group.cancelAll()
                }
            } catch {
                await link.detach()
                try? await outbound.close(.normalClosure, reason: nil)
                throw error
            }
            await link.detach()
            try? await outbound.close(.normalClosure, reason: nil)
        }
    }

    private func handle(_ frame: Data) async throws {
        guard let json = try? JSONParser.parse(frame) else {
            logger.warning("a WeCom AI bot frame that is not JSON was dropped", metadata: ["bot": "\(adapter.botID)"])
            return
        }
        if json["cmd"] == nil {
            await adapter.link.resolve(json)
            return
        }
        if WeComAIBotSocketAdapter.isTakeover(json) { throw Ending.takenOver }
        let result: StreamFrameResult
        do {
            result = try adapter.decodeStreamFrame(frame, now: Date())
        } catch {
            logger.warning("a WeCom AI bot push was not understood and was dropped", metadata: ["bot": "\(adapter.botID)", "reason": "\(error)"])
            return
        }
        if !result.events.isEmpty {
            do {
                try await Traces.span(SpanName.webhook, ofKind: .consumer) { span in
                    span?.attributes[SpanAttributeKey.bot] = adapter.botID
                    span?.attributes[SpanAttributeKey.platform] = adapter.platform
                    span?.attributes[SpanAttributeKey.eventID] = result.events.first?.id
                    _ = try await sink.accept(result.events)
                }
            } catch {
                // Pushes are not acknowledged on this socket: a push that cannot be stored is
                // lost unless WeCom pushes it again [M: whether it does is unconfirmed].
                logger.error("a WeCom AI bot push could not be stored and is lost", metadata: ["bot": "\(adapter.botID)", "error": "\(error)"])
                return
            }
        }
        sink.record(frame: frame, bot: adapter.botID, platform: adapter.platform, reply: result.reply, events: result.events)
        if let reply = result.reply, let frame = try? JSONParser.parse(reply) { try await adapter.link.send(frame) }
    }
}
