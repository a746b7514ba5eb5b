import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// `switchboard jobs …` and `switchboard conversations reset`: through the admin API while the
/// server runs, on the state store when it does not.
@Suite("Jobs commands", .timeLimit(.minutes(5)))
struct JobsCommandTests {
    @Test func jobsAreListedThroughTheAPIAndRetriedOnTheStoreWhileTheServerIsDown() async throws {
        let healthy = CallbackSwitch()
        try await LoopbackServer.withRunning(respond: { _ in healthy.isOn ? WebhookResponse() : WebhookResponse.text("down", status: .internalServerError) }) { callback in
            let directory = try scratchDirectory()
            try """
                admin: {port: 0, token: "\(AdminConsoleTests.token)"}
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
            // The port the server reports (no fixed port another test's server could be given).
            let running = ["--admin-url", "http://127.0.0.1:\(try await first.adminPort())"]
            // Nothing listens on port 1: the commands find no server there.
            let down = ["--admin-url", "http://127.0.0.1:1"]

            let listed = try await CLIProcess.runAsync(["jobs", "list", "--status", "failed"] + running, in: directory)
            #expect(listed.status == 0, "\(listed.stderr)")
            let jobs = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
            #expect(jobs?.map { $0["id"] as? String } == ["app:m-1"])
            #expect(!listed.stderr.contains("using the state store directly"), "the running server's API answered")
            let shown = try await CLIProcess.runAsync(["jobs", "show", "app:m-1"] + running, in: directory)
            #expect(shown.status == 0 && shown.stdout.contains(#""outcome":"failed""#), "\(shown.stdout)")
            let missing = try await CLIProcess.runAsync(["jobs", "show", "app:nope"] + running, in: directory)
            #expect(missing.status == 1 && missing.stderr.hasSuffix("error: no job app:nope\n"), "\(missing.stderr)")
            #expect(try await first.terminate() == 0)

            // The server is down: the commands open the store.
            let retried = try await CLIProcess.runAsync(["jobs", "retry", "app:m-1"] + down, in: directory)
            #expect(retried.status == 0, "\(retried.stderr)")
            #expect(retried.stderr.contains("does not answer; using the state store directly"))
            #expect(retried.stdout.contains(#""ok":true"#))
            let again = try await CLIProcess.runAsync(["jobs", "retry", "app:m-1"] + down, in: directory)
            #expect(again.status == 1 && again.stderr.contains("job app:m-1 is pending; only failed jobs can be retried or discarded"))
            // Without --admin-url, a port the system picked cannot be found: said, and the store used.
            let unsaid = try await CLIProcess.runAsync(["jobs", "list"], in: directory)
            #expect(unsaid.status == 0 && unsaid.stderr.contains("admin.port is 0 (a port the system picks at start): say where the admin API is with --admin-url"), "\(unsaid.stderr)")
            let bad = try await CLIProcess.runAsync(["jobs", "list", "--admin-url", "ftp://127.0.0.1:21"], in: directory)
            #expect(bad.status != 0 && bad.stderr.contains("--admin-url must be an http:// or https:// URL"), "\(bad.stderr)")
            let key = "echo|app|user:u-chat-1"
            let reset = try await CLIProcess.runAsync(["conversations", "reset", key] + down, in: directory)
            #expect(reset.status == 0 && reset.stdout.contains(#""ok":true"#), "\(reset.stderr)")

            // Started again with the platform back: the retried job is delivered, once.
            healthy.set(true)
            let second = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
            _ = try await second.port()
            _ = try await callback.waitForRequests(count: 2, timeout: .seconds(60))
            // The fence: a later message of the same chat, answered after the retried one.
            let later = GenericClient(port: try await second.port(), secret: AdminConsoleTests.secret)
            #expect(try await later.post(GenericClient.message("m-2", "later")) == 200)
            _ = try await callback.waitForRequests(count: 3, timeout: .seconds(60))
            #expect(try callbackEventIDs(callback.requests.map(\.body)) == ["app:m-1", "app:m-1", "app:m-2"], "the failed try, the retry, the later one")
            #expect(try await second.terminate() == 0)
        }
    }
}
