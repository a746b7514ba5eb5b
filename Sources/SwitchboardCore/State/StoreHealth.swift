public import Foundation
public import Logging
import Synchronization

/// Whether the state store answers, as the engine, the webhooks and the retention timer see it —
/// so that an outage is said once, in one line, and its end once, instead of an error on every
/// poll. Every caller of the store reports here; the first failure after success logs what is
/// down and that work resumes by itself, the first success after failures logs that it is back.
public final class StoreHealth: Sendable {
    private struct Outage {
        var since: Date
        var failures: Int
    }

    private let outage = Mutex<Outage?>(nil)
    /// When a call last succeeded: a failure of a call that began before then is old news.
    private let lastSuccess = Mutex<ContinuousClock.Instant?>(nil)
    private let logger: Logger
    private let clock: @Sendable () -> Date

    public init(logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.logger = logger
        self.clock = clock
    }

    /// Whether the store is failing now.
    public var isDown: Bool { outage.withLock { $0 != nil } }

    /// A store call failed. A lost lease or a cancellation is not an outage and is not reported;
    /// nor is the failure of a call that began (`startedAt`) before another call succeeded — the
    /// store was down when it was asked and has been seen up since, so its end would be said twice.
    public func failed(_ error: any Error, startedAt: ContinuousClock.Instant? = nil) {
        if error is CancellationError { return }
        if case StateStoreError.leaseLost? = error as? StateStoreError { return }
        if let startedAt, let last = lastSuccess.withLock({ $0 }), last > startedAt {
            logger.debug("a store call that began before the store was seen up again failed: \(error)")
            return
        }
        let first = outage.withLock { outage -> Bool in
            guard outage == nil else {
                outage?.failures += 1
                return false
            }
            outage = Outage(since: clock(), failures: 1)
            return true
        }
        let reason = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        if first {
            logger.error(
                "the state store is unavailable: \(reason); webhooks answer 503 so platforms redeliver, and queued work resumes by itself when it is back"
            )
        } else {
            logger.debug("the state store is still unavailable: \(reason)")
        }
    }

    /// A store call succeeded.
    public func succeeded() {
        lastSuccess.withLock { $0 = .now }
        guard let ended = outage.withLock({ outage -> Outage? in
            defer { outage = nil }
            return outage
        }) else { return }
        let seconds = Int(clock().timeIntervalSince(ended.since).rounded())
        logger.notice("the state store is back after \(seconds) s (\(ended.failures) failed calls); work resumes")
    }

    /// Runs a store call, reporting how it went.
    public func watch<T>(_ call: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let value = try await call()
            succeeded()
            return value
        } catch {
            failed(error, startedAt: started)
            throw error
        }
    }
}
