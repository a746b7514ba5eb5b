import Logging
import OTel
import ServiceLifecycle
import SwitchboardServer
import SwitchboardTelemetry
import Tracing

/// swift-distributed-tracing ▸ OTLP/HTTP, for `serve`, when `telemetry.otlp_endpoint` is set:
/// bootstraps the process's tracer and returns the exporter's service (batching, flushing on
/// shutdown), which runs in the server's `ServiceGroup`. Without an endpoint nothing is bootstrapped
/// and spans cost nothing.
enum TracingBootstrap {
    static func bootstrap(_ settings: TelemetrySettings, logger: Logger) throws -> [any Service] {
        guard let endpoint = settings.otlpEndpoint else { return [] }
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.endpoint = endpoint
        configuration.traces.otlpExporter.protocol = settings.otlpProtocol == .httpJSON ? .httpJSON : .httpProtobuf
        // Short enough that a trace shows up while someone is looking for it.
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        Traces.enable()
        logger.info("exporting traces over OTLP/HTTP", metadata: ["endpoint": "\(endpoint)", "service_name": "\(settings.serviceName)"])
        return [backend.service]
    }
}
