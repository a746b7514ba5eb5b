import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// `switchboard jobs …` and `switchboard conversations reset`: through the admin API while the
/// server runs, on the state store when it does not.
@Suite("Jobs commands")
struct JobsCommandTests {
    @Test func jobsAreListedThroughTheAPIAndRetriedOnTheStoreWhileTheServerIsDown() async throws {
        let healthy = CallbackSwitch()
        try await LoopbackServer.withRunning(respond: { _ in healthy.isOn ? WebhookResponse() : WebhookResponse.text("down", status: .internalServerError) }) { callback in
            let directory = try scratchDirectory()
            // A fixed admin port: the commands find the server by the configuration.
            // Below Linux's ephemeral range (32768–60999): no server bound to port 0 elsewhere in the
            // run can be given it (one was, and answered this test's commands with 404).
            let adminPort = Int.random(in: 20_000...32_000)
            try """
                admin: {port: \(adminPort), token: "\(AdminConsoleTests.token)"}
                engine: {max_attempts: 1, poll_interval: 200ms}
                backends: {echo: {type: echo}}
                bots: {app: {platform: generic, secret: "\(AdminConsoleTests.secret)", callback_url: "\(callback.url)/reply"}}
                routes: [{name: direct, when: {chat: direct}, backend: echo}]
                """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let environment = ["SWITCHBOARD_CONFIG": ""]
            let first = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
            let client = GenericClient(port: try await first.port(), secret: AdminConsoleTests.secret)
            #expect(try await client.post(GenericClient.message("m-1", "hello")) == 200)
            _ = try await AdminConsoleTests.waitForStatus(AdminClient(port: try await first.adminPort()), job: "app:m-1", "failed")

            let listed = try await CLIProcess.runAsync(["jobs", "list", "--status", "failed"], in: directory)
            #expect(listed.status == 0, "\(listed.stderr)")
            let jobs = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
            #expect(jobs?.map { $0["id"] as? String } == ["app:m-1"])
            #expect(!listed.stderr.contains("using the state store directly"), "the running server's API answered")
            let shown = try await CLIProcess.runAsync(["jobs", "show", "app:m-1"], in: directory)
            #expect(shown.status == 0 && shown.stdout.contains(#""outcome":"failed""#), "\(shown.stdout)")
            let missing = try await CLIProcess.runAsync(["jobs", "show", "app:nope"], in: directory)
            #expect(missing.status == 1 && missing.stderr.hasSuffix("error: no job app:nope\n"), "\(missing.stderr)")
            #expect(try await first.terminate() == 0)

            // The server is down: the commands open the store.
            let retried = try await CLIProcess.runAsync(["jobs", "retry", "app:m-1"], in: directory)
            #expect(retried.status == 0, "\(retried.stderr)")
            #expect(retried.stderr.contains("does not answer; using the state store directly"))
            #expect(retried.stdout.contains(#""ok":true"#))
            let again = try await CLIProcess.runAsync(["jobs", "retry", "app:m-1"], in: directory)
            #expect(again.status == 1 && again.stderr.contains("job app:m-1 is pending; only failed jobs can be retried or discarded"))
            let key = "echo|app|user:u-chat-1"
            let reset = try await CLIProcess.runAsync(["conversations", "reset", key], in: directory)
            #expect(reset.status == 0 && reset.stdout.contains(#""ok":true"#), "\(reset.stderr)")

            // Started again with the platform back: the retried job is delivered, once.
            healthy.set(true)
            let second = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
            _ = try await second.port()
            _ = try await callback.waitForRequests(count: 2, timeout: .seconds(60))
            try await Task.sleep(for: .seconds(1))
            #expect(callback.requests.count == 2)
            #expect(try await second.terminate() == 0)
        }
    }
}
