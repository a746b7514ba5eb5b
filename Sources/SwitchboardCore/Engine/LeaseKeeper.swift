import Foundation
import Logging

/// Keeps a job's lease while the job runs, and says when it cannot: the one place that decides a
/// lease is lost.
///
/// The lease is renewed every third of its duration. A renewal the store refuses
/// (``StateStoreError/leaseLost``: the lease expired and another worker took the job, or the job
/// was finished elsewhere) ends the job at once. A renewal that fails for another reason (the
/// store is briefly unreachable) is tried again every ``retryDelay`` while more than one renewal
/// interval of the lease is left; after that the job is stopped *before* the lease expires, so
/// that no other worker can take it while this one still sends.
struct LeaseKeeper {
    let store: any StateStore
    let lease: JobLease
    let duration: Duration
    let clock: @Sendable () -> Date
    let logger: Logger

    init(engine: Engine, lease: JobLease, logger: Logger) {
        store = engine.store
        self.lease = lease
        duration = engine.configuration.leaseDuration
        clock = engine.clock
        self.logger = logger
    }

    /// How often the lease is renewed.
    var interval: Duration { duration / 3 }

    /// How soon a failed renewal is tried again: a few seconds, and several times per interval.
    var retryDelay: Duration { min(.seconds(2), interval / 4) }

    /// Renews until cancelled (the job ended); throws ``LeaseLost`` when the lease is lost.
    func run() async throws {
        var lease = lease
        var wait = interval
        var failures = 0
        while true {
            try await Task.sleep(for: wait)
            do {
                // Bounded: a renewal a driver lost must not outlast the lease — given up one retry
                // delay before the lease ends, to stop the work in time — while a slow one on a
                // busy machine has until then (a tighter bound gave up renewals CI was slow to run).
                let (store, current, duration, now) = (self.store, lease, self.duration, clock())
                let giveUpIn = current.expiresAt.timeIntervalSince(now) - retryDelay.seconds
                lease = try await withTimeLimit(.milliseconds(max(Int(giveUpIn * 1000), 1))) {
                    try await store.renew(current, for: duration, now: now)
                }
                if failures > 0 { logger.info("the job's lease was renewed again", metadata: ["failed_renewals": "\(failures)"]) }
                failures = 0
                wait = interval
            } catch StateStoreError.leaseLost {
                throw LeaseLost(reason: "the state store says another worker holds the job now")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try Task.checkCancellation()
                failures += 1
                let left = lease.expiresAt.timeIntervalSince(clock())
                guard left > interval.seconds + retryDelay.seconds else {
                    throw LeaseLost(reason: "the lease could not be renewed (\(error)) and would expire before the next try")
                }
                logger.debug("could not renew the job's lease; trying again", metadata: ["error": "\(error)"])
                wait = retryDelay
            }
        }
    }
}

/// The job's lease is lost (or about to be): the job stops so that only one worker answers.
struct LeaseLost: Error, CustomStringConvertible {
    var reason: String
    var description: String { "lost the job's lease: \(reason)" }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
