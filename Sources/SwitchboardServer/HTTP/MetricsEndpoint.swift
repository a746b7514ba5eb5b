/// What `GET /metrics` answers: the Prometheus text exposition of the process's metrics. The CLI
/// makes one from the registry it bootstrapped swift-metrics with; without one, `/metrics`
/// answers 404 saying so.
public struct MetricsEndpoint: Sendable {
    let render: @Sendable () -> [UInt8]

    /// - Parameter render: the exposition, in Prometheus text format 0.0.4.
    public init(render: @escaping @Sendable () -> [UInt8]) {
        self.render = render
    }
}
