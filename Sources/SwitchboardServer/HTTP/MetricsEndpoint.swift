import Hummingbird
import NIOCore

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

extension MetricsEndpoint {
    /// `GET /metrics`: the exposition, or 404 saying why there is none here.
    static func response(_ endpoint: MetricsEndpoint?, servedElsewhere: Bool = false) -> Response {
        guard let endpoint else {
            let reason = servedElsewhere
                ? "metrics are served on the admin listener (admin.host:admin.port/metrics)\n"
                : "metrics are off in this process (telemetry.metrics: false)\n"
            return Response(
                status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: reason))
            )
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: endpoint.render()))
        )
    }
}
