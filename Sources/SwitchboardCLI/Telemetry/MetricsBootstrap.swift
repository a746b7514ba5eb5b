import Metrics
import Prometheus
import SwitchboardServer
import SwitchboardTelemetry

/// swift-metrics ▸ Prometheus, for `serve`: bootstrapped once, first thing, so every handle the
/// modules make records into the registry `GET /metrics` renders (with the process metrics).
enum MetricsBootstrap {
    /// Fine buckets where the answer is milliseconds (webhook acks), coarse where it is seconds
    /// to minutes (jobs, backends).
    static let ackBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]
    static let answerBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(20), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
    ]

    static func bootstrap() -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = answerBuckets
        factory.durationHistogramBuckets = [MetricName.ackSeconds: ackBuckets]
        MetricsSystem.bootstrap(factory)
        return MetricsEndpoint {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(registry.internalBufferCapacity())
            registry.emit(into: &buffer)
            buffer += ProcessMetrics.read().exposition.utf8
            return buffer
        }
    }
}
