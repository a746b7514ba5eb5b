import Foundation
import SwitchboardCore

/// `telemetry:` — metrics (on by default: `GET /metrics`) and where traces go.
///
/// ```yaml
/// telemetry:
///   metrics: true                                        # false: nothing recorded, /metrics is 404
///   otlp_endpoint: http://otel-collector:4318/v1/traces   # OTLP/HTTP; absent: no traces
///   otlp_protocol: http/protobuf                         # or http/json
///   service_name: switchboard
/// ```
///
/// The standard `OTEL_*` environment variables (`OTEL_EXPORTER_OTLP_HEADERS` for a collector that
/// wants a token, `OTEL_TRACES_SAMPLER`, …) apply on top, as the OpenTelemetry spec says.
public struct TelemetrySettings: Sendable, Equatable {
    public enum OTLPProtocol: String, Sendable, CaseIterable {
        case httpProtobuf = "http/protobuf"
        case httpJSON = "http/json"
    }

    /// The OTLP/HTTP traces endpoint (the whole URL, usually ending in `/v1/traces`); nil: no
    /// traces are recorded or exported.
    public var otlpEndpoint: String?
    public var otlpProtocol: OTLPProtocol = .httpProtobuf
    public var serviceName = "switchboard"
    /// Record metrics and serve them on `GET /metrics`.
    public var metrics = true

    public init() {}

    init(section: ConfigSection) throws {
        if let endpoint = try section.optionalString("otlp_endpoint") {
            guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw section.error("otlp_endpoint", "must be an http:// or https:// URL, such as http://otel-collector:4318/v1/traces")
            }
            otlpEndpoint = endpoint
        }
        let protocolName = try section.string("otlp_protocol", default: otlpProtocol.rawValue)
        guard let chosen = OTLPProtocol(rawValue: protocolName) else {
            throw section.error("otlp_protocol", "must be one of \(OTLPProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        otlpProtocol = chosen
        metrics = try section.bool("metrics", default: metrics)
        serviceName = try section.string("service_name", default: serviceName)
        guard !serviceName.isEmpty else { throw section.error("service_name", "must not be empty") }
        try section.rejectUnknownKeys()
    }
}
