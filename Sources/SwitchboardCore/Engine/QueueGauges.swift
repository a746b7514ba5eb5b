public import Foundation
public import ServiceLifecycle
import SwitchboardTelemetry

/// Samples the queue from the store every few seconds into the queue gauges (pending, leased,
/// oldest pending age). One cheap, indexed query per interval, whatever the traffic; a store that
/// does not answer leaves the gauges as they were (the outage is logged by the engine's store
/// health).
public struct QueueGauges: Service {
    let store: any StateStore
    let interval: Duration
    let clock: @Sendable () -> Date

    public init(store: any StateStore, interval: Duration = .seconds(5), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.interval = interval
        self.clock = clock
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    await sample()
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
    }

    /// One sample (also used by tests).
    public func sample() async {
        guard let stats = try? await store.queueStats() else { return }
        let none = MetricLabels()
        Meter.set(MetricName.queuePending, none, Double(stats.pending))
        Meter.set(MetricName.queueLeased, none, Double(stats.leased))
        let age = stats.oldestPendingSince.map { max(0, clock().timeIntervalSince($0)) } ?? 0
        Meter.set(MetricName.queueOldestPendingSeconds, none, age)
    }
}
