public import Foundation
public import Logging
public import ServiceLifecycle

/// Deletes expired dedup keys and old finished jobs on a timer, so the store does not grow
/// without bound.
public struct RetentionService: Service {
    let store: any StateStore
    let policy: RetentionPolicy
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Where a failed purge is reported (the engine's), so an outage is said once.
    let health: StoreHealth?

    public init(
        store: any StateStore,
        policy: RetentionPolicy = RetentionPolicy(),
        logger: Logger = Logger(label: "switchboard.retention"),
        clock: @escaping @Sendable () -> Date = { Date() },
        health: StoreHealth? = nil
    ) {
        self.store = store
        self.policy = policy
        self.logger = logger
        self.clock = clock
        self.health = health
    }

    public func run() async throws {
        do {
            try await purgeForever()
        } catch is CancellationError {
            // Shutting down.
        }
    }

    private func purgeForever() async throws {
        try await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: policy.purgeInterval)
                do {
                    let (store, now, policy) = (self.store, clock(), self.policy)
                    let report: PurgeReport
                    if let health {
                        report = try await health.watch { try await store.purge(now: now, policy: policy) }
                    } else {
                        report = try await store.purge(now: now, policy: policy)
                    }
                    if report.dedupKeys + report.jobs + report.conversations > 0 {
                        logger.debug(
                            "purged",
                            metadata: ["dedup_keys": "\(report.dedupKeys)", "jobs": "\(report.jobs)", "conversations": "\(report.conversations)"]
                        )
                    }
                } catch {
                    // Said once by health, when there is one.
                    if health == nil { logger.warning("purge failed; will try again: \(error)") }
                }
            }
        }
    }
}
