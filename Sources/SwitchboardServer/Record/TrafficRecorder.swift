public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import SwitchboardCore
public import HTTPTypes

/// Keeps what chosen bots receive — every raw webhook request and every long-connection frame,
/// with the answer the server gave and the events decoded — as fixture cases
/// (`<dir>/<bot>/<time>-<n>/request.json`, the body, `response.json`, `events.json`), for
/// `switchboard fixture make`.
///
/// Recording never slows or fails the webhook: ``record(_:)`` only hands the case to a queue that
/// the recorder's own service writes out. The folders are created 0700 and the files 0600 (they
/// hold production payloads). A write error is logged once and recording stops; so does reaching
/// `max_files`.
public final class TrafficRecorder: Service, Sendable {
    /// One received request or frame and what came of it.
    public struct Entry: Sendable {
        public var bot: String
        public var platform: String
        /// The clock when it arrived.
        public var now: Date
        /// Nil for a long-connection frame.
        public var request: WebhookRequest?
        /// The frame's bytes, for a long-connection frame.
        public var frame: Data?
        public var response: WebhookResponse
        public var events: [ChatEvent]
        /// Headers left out of the recording besides those always left out (the adapter's
        /// credential headers, ``FixtureSealing/credentialHeaders``).
        public var dropHeaders: [HTTPField.Name]

        public init(
            bot: String, platform: String, now: Date, request: WebhookRequest?, frame: Data? = nil, response: WebhookResponse, events: [ChatEvent],
            dropHeaders: [HTTPField.Name] = []
        ) {
            self.bot = bot
            self.platform = platform
            self.now = now
            self.request = request
            self.frame = frame
            self.response = response
            self.events = events
            self.dropHeaders = dropHeaders
        }

        /// Worth keeping: a request that passed authentication (whatever came of it after), a
        /// frame that gave events. Junk — a scanner's requests, pings — would use up `max_files`.
        public var isWorthKeeping: Bool {
            if frame != nil { return !events.isEmpty }
            return ![401, 403, 404, 405, 413].contains(response.status.code)
        }
    }

    public let settings: RecordSettings
    private let logger: Logger
    private let entries: AsyncStream<Entry>
    private let continuation: AsyncStream<Entry>.Continuation
    /// Cases handed over so far; past `max_files` nothing more is queued.
    private let queued = Mutex(0)
    private let stopped = Mutex(false)

    public init(settings: RecordSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        // Bounded: a disk that cannot keep up drops cases rather than memory growing.
        (entries, continuation) = AsyncStream.makeStream(of: Entry.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// Whether `bot`'s traffic is recorded.
    public func records(bot: String) -> Bool {
        settings.bots?.contains(bot) ?? true
    }

    /// Queues a case for writing; returns at once.
    public func record(_ entry: Entry) {
        guard records(bot: entry.bot), entry.isWorthKeeping, !stopped.withLock({ $0 }) else { return }
        let admitted = queued.withLock { count -> Bool in
            guard count < settings.maxCases else { return false }
            count += 1
            return true
        }
        guard admitted else {
            stop("recorded \(settings.maxCases) cases (record.max_files); recording stops")
            return
        }
        continuation.yield(entry)
    }

    public func run() async throws {
        let writer = RecordingWriter(directory: URL(fileURLWithPath: settings.directory))
        await withGracefulShutdownHandler {
            for await entry in entries {
                guard !stopped.withLock({ $0 }) else { continue }
                do {
                    try writer.write(entry)
                } catch {
                    stop("cannot write the recording in \(settings.directory): \(error); recording stops (the webhooks go on)")
                }
            }
        } onGracefulShutdown: { [continuation] in
            continuation.finish()
        }
    }

    private func stop(_ message: String) {
        let first = stopped.withLock { stopped -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { logger.warning("\(message)") }
    }
}
