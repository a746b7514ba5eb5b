public import CoreMetrics
import Synchronization

/// Records Switchboard's metrics through swift-metrics, whatever backend the process bootstrapped
/// (Prometheus in the CLI; none in tests, where every call is a no-op).
///
/// Handles are made once per series and kept: a webhook, a job or a stream update costs a
/// dictionary lookup, not a trip through the metrics factory. Labels are bounded (see
/// ``MetricName``), so the caches are too.
public enum Meter {
    public static func increment(_ name: String, _ labels: MetricLabels, by amount: Int = 1) {
        counters.handle(name, labels) { Counter(label: $0, dimensions: $1) }.increment(by: amount)
    }

    public static func record(_ name: String, _ labels: MetricLabels, _ duration: Duration) {
        timer(name, labels).record(duration)
    }

    public static func set(_ name: String, _ labels: MetricLabels, _ value: Double) {
        gauges.handle(name, labels) { Gauge(label: $0, dimensions: $1) }.record(value)
    }

    /// The handle of one series, to keep where a path runs per request (made after the process
    /// bootstrapped its metrics backend, or it stays a no-op).
    public static func counter(_ name: String, _ labels: MetricLabels) -> Counter {
        counters.handle(name, labels) { Counter(label: $0, dimensions: $1) }
    }

    public static func timer(_ name: String, _ labels: MetricLabels) -> Timer {
        timers.handle(name, labels) { Timer(label: $0, dimensions: $1) }
    }

    private static let counters = HandleCache<Counter>()
    private static let timers = HandleCache<Timer>()
    private static let gauges = HandleCache<Gauge>()
}

/// Metric handles by name and labels.
private final class HandleCache<Handle: Sendable>: Sendable {
    private struct Key: Hashable {
        var name: String
        var labels: MetricLabels
    }

    private let handles = Mutex<[Key: Handle]>([:])

    func handle(_ name: String, _ labels: MetricLabels, make: (String, [(String, String)]) -> Handle) -> Handle {
        let key = Key(name: name, labels: labels)
        if let handle = handles.withLock({ $0[key] }) { return handle }
        let made = make(name, labels.dimensions)
        return handles.withLock { handles in
            if let existing = handles[key] { return existing }
            handles[key] = made
            return made
        }
    }
}

extension Timer {
    public func record(_ duration: Duration) {
        recordNanoseconds(duration.components.seconds &* 1_000_000_000 &+ duration.components.attoseconds / 1_000_000_000)
    }
}
