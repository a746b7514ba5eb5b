import Foundation
import SwitchboardTesting
import Testing

/// Traces of the real binary, exported over OTLP/HTTP to a fake collector on loopback: one
/// message is one trace — webhook ▸ job ▸ backend (with Dify's ids) and deliver — even when the
/// job runs in the next process after a crash; and the log lines carry the trace id.
@Suite("Tracing", .timeLimit(.minutes(5)))
struct TracingTests {
    static let secret = "tracing-secret-0123456789"

    static func configuration(collector: String, backend: String, callback: String) -> String {
        """
        engine: {lease_duration: 6s, poll_interval: 200ms}
        telemetry: {otlp_endpoint: "\(collector)/v1/traces", otlp_protocol: http/json, service_name: switchboard-test}
        backends: {\(backend)}
        bots: {app: {platform: generic, secret: "\(secret)", callback_url: "\(callback)/reply"}}
        routes: [{name: direct, when: {chat: direct}, backend: brain}]
        """
    }

    /// Waits until the collector has the named spans of `trace` (or of any trace, when nil).
    static func spans(
        _ collector: LoopbackServer, named names: Set<String>, trace: String? = nil, timeout: Duration = .seconds(30)
    ) async throws -> [String: ExportedSpan] {
        var found: [String: ExportedSpan] = [:]
        try await waitUntil("the spans \(names.sorted())", timeout: timeout, poll: .milliseconds(50)) {
            let spans = try OTLPSpans.decode(collector.requests).filter { trace == nil || $0.traceID == trace }
            found = Dictionary(spans.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
            return names.isSubset(of: Set(found.keys))
        }
        return found
    }

    @Test func aJobRunAfterACrashJoinsTheTraceOfItsWebhook() async throws {
        try await LoopbackServer.withRunning(respond: { _ in OTLPSpans.accepted }) { collector in
            try await LoopbackServer.withRunning { callback in
                let directory = try scratchDirectory()
                // The echo answers 3 s later in two chunks: far off when the process is killed.
                try Self.configuration(collector: collector.url, backend: "brain: {type: echo, delay_ms: 3000}", callback: callback.url)
                    .write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
                let environment = ["SWITCHBOARD_CONFIG": ""]
                let first = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
                let client = GenericClient(port: try await first.port(), secret: Self.secret)
                #expect(try await client.post(GenericClient.message("m-1", "survive this")) == 200)
                // The webhook span is exported (the batch goes out every second), then the crash.
                let webhook = try #require(try await Self.spans(collector, named: ["switchboard.webhook"])["switchboard.webhook"])
                try await first.kill9()
                #expect(callback.requests.isEmpty, "the reply was sent before the crash; the test proves nothing")

                let second = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
                _ = try await second.port()
                _ = try await callback.waitForRequests(count: 1, timeout: .seconds(60))
                let spans = try await Self.spans(collector, named: ["switchboard.job", "switchboard.deliver"], trace: webhook.traceID)
                let job = try #require(spans["switchboard.job"])
                #expect(job.parentSpanID == webhook.spanID, "the job after the restart is a child of the webhook span")
                #expect(job.attributes["switchboard.attempt"] == "2")
                #expect(try await second.terminate() == 0)
            }
        }
    }

    @Test func aTelemetrySettingThatCannotWorkIsOneLineNamingTheKey() async throws {
        let directory = try scratchDirectory()
        for (yaml, expected) in [
            ("telemetry: {otlp_endpoint: otel-collector:4318}", "telemetry.otlp_endpoint: must be an http:// or https:// URL"),
            ("telemetry: {otlp_endpoint: http://c:4318/v1/traces, otlp_protocol: grpc}", "telemetry.otlp_protocol: must be one of http/protobuf, http/json"),
            ("telemetry: {otlp_endpiont: http://c:4318/v1/traces}", "telemetry.otlp_endpiont"),
        ] {
            try yaml.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let output = try await CLIProcess.runAsync(["check", "--config", "switchboard.yaml"], in: directory)
            #expect(output.status == 1)
            #expect(output.stderr.contains(expected) && output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
        }
    }
}
