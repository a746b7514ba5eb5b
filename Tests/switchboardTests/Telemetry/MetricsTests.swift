import Foundation
import SwitchboardTesting
import Testing

/// `GET /metrics` of the real binary after real traffic: the series the README lists, labelled by
/// bot, platform and backend only — and every metric the shipped alert rules use.
@Suite("Metrics", .timeLimit(.minutes(5)))
struct MetricsTests {
    static let secret = "metrics-secret-0123456789"

    @Test func aMessageItsRedeliveryAndAForgeryShowUpInMetrics() async throws {
        try await LoopbackServer.withRunning { callback in
            let directory = try scratchDirectory()
            try """
                backends: {echo: {type: echo}}
                bots: {app: {platform: generic, secret: "\(Self.secret)", callback_url: "\(callback.url)/reply"}}
                routes: [{name: direct, when: {chat: direct}, backend: echo}]
                """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
            let port = try await server.port()
            let client = GenericClient(port: port, secret: Self.secret)
            #expect(try await client.post(GenericClient.message("m-1", "hello", chat: "secret-chat-77")) == 200)
            _ = try await callback.waitForRequests(count: 1, timeout: .seconds(60))
            #expect(try await client.post(GenericClient.message("m-1", "hello", chat: "secret-chat-77")) == 200)
            #expect(try await GenericClient(port: port, secret: "wrong-secret-0123456789").post(GenericClient.message("m-2", "forged")) == 401)

            // The job is marked done just after the callback answers; wait for it.
            let metrics = try await waitUntilFound("a done job in the metrics", timeout: .seconds(30), poll: .milliseconds(100)) {
                let metrics = try await scrapeMetrics(port: port)
                return metrics.value("switchboard_jobs_total", ["outcome": "done"]) == nil ? nil : metrics
            }
            let bot = ["bot": "app", "platform": "generic"]
            #expect(metrics.value("switchboard_webhooks_total", bot.merging(["status": "2xx"]) { $1 }) == 2)
            #expect(metrics.value("switchboard_webhooks_total", bot.merging(["status": "4xx"]) { $1 }) == 1)
            #expect(metrics.value("switchboard_webhook_rejections_total", bot.merging(["reason": "unauthorized"]) { $1 }) == 1)
            #expect(metrics.value("switchboard_webhook_ack_seconds_count", bot) == 3)
            #expect(metrics.value("switchboard_events_total", bot.merging(["result": "accepted"]) { $1 }) == 1)
            #expect(metrics.value("switchboard_events_total", bot.merging(["result": "duplicate"]) { $1 }) == 1)
            #expect(metrics.value("switchboard_jobs_total", bot.merging(["outcome": "done"]) { $1 }) == 1)
            #expect(metrics.value("switchboard_job_attempts_total", bot) == 1)
            #expect(metrics.value("switchboard_job_duration_seconds_count", bot) == 1)
            #expect(metrics.value("switchboard_deliveries_total", bot.merging(["result": "ok"]) { $1 }) == 1)
            #expect(metrics.value("switchboard_backend_first_token_seconds_count", ["backend": "echo"]) == 1)
            #expect(metrics.value("switchboard_backend_answer_seconds_count", ["backend": "echo"]) == 1)
            #expect(metrics.value("switchboard_queue_pending_jobs") != nil)
            #expect(metrics.value("switchboard_queue_leased_jobs") != nil)
            #expect(metrics.value("switchboard_queue_oldest_pending_seconds") != nil)
            #expect((metrics.value("process_resident_memory_bytes") ?? 0) > 1_000_000)
            #expect((metrics.value("process_cpu_seconds_total") ?? 0) > 0)
            #expect((metrics.value("process_open_fds") ?? 0) > 0)
            #expect(metrics.types["switchboard_webhook_ack_seconds"] == "histogram")
            #expect(metrics.types["switchboard_webhooks_total"] == "counter")

            // Bounded labels only: the chat, sender, event and message ids are nowhere.
            let allowed: Set<String> = ["bot", "platform", "backend", "status", "reason", "result", "outcome", "kind", "api", "code", "le"]
            for sample in metrics.samples {
                #expect(Set(sample.labels.keys).isSubset(of: allowed), "\(sample.name) has labels \(sample.labels.keys.sorted())")
                for value in sample.labels.values {
                    #expect(!value.contains("secret-chat-77") && !value.contains("m-1"), "\(sample.name) carries an id: \(value)")
                }
            }

            // Every metric the shipped alert rules name is exported.
            let used = try HelmChart.load().alertMetricNames()
            #expect(!used.isEmpty)
            for name in used {
                #expect(metrics.sampleNames.contains(name) || metrics.families.contains(name), "the alerts use \(name), which /metrics does not export")
            }
            #expect(try await server.terminate() == 0)
        }
    }
}
