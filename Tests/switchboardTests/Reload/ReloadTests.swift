import Foundation
import SwitchboardTesting
import Testing

/// Reloading the configuration of a running binary: SIGHUP and `switchboard reload` swap routes,
/// bots and backends for new work; an unchanged DingTalk Stream bot keeps its socket, a changed one
/// gets a new one after the old one closed (never two); an invalid file is refused with `check`'s
/// line and the running configuration keeps answering.
@Suite("Reload", .timeLimit(.minutes(5)))
struct ReloadTests {
    static let secret = "reload-secret-0123456789"
    static let token = "reload-admin-token-0123456789"

    static func configuration(platforms: String, callback: String, adminPort: Int, groups: Bool, reconnect: String = "200ms", backend: String = "echo") -> String {
        """
        admin: {port: \(adminPort), token: "\(token)"}
        engine: {poll_interval: 100ms}
        backends: {echo: {type: echo}}
        bots:
          app: {platform: generic, secret: "\(secret)", callback_url: "\(callback)/reply"}
          ding-stream: {platform: dingtalk, mode: stream, app_key: \(ChaosPlatforms.dingTalkKey), app_secret: \(ChaosPlatforms.dingTalkSecret),
                        api_base: "\(platforms)", gateway_base: "\(platforms)", reconnect_delay: \(reconnect), reconnect_max_delay: 1s}
        routes:
          - {name: direct, when: {chat: direct}, backend: \(backend)}
        \(groups ? "  - {name: groups, when: {chat: group, any: true}, backend: \(backend)}" : "")
        """
    }

    static let ignored = ["bot": "app", "platform": "generic", "result": "ignored"]

    @Test func aRunningServerTakesNewRoutesAndBotsWithoutARestart() async throws {
        let platforms = ChaosPlatforms(ledger: ChaosLedger(), faults: ChaosFaults(seed: 1, rate: 0))
        try await platforms.run { platforms in
            try await LoopbackServer.withRunning { callback in
                let directory = try scratchDirectory()
                let file = directory.appendingPathComponent("switchboard.yaml")
                func write(groups: Bool, reconnect: String = "200ms", backend: String = "echo") throws {
                    try Self.configuration(platforms: platforms.url, callback: callback.url, adminPort: 0, groups: groups, reconnect: reconnect, backend: backend)
                        .write(to: file, atomically: true, encoding: .utf8)
                }
                try write(groups: false)
                let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
                let client = GenericClient(port: try await server.port(), secret: Self.secret)
                // The admin port the server reports: `reload` is told it.
                let adminURL = ["--admin-url", "http://127.0.0.1:\(try await server.adminPort())"]
                try await waitUntil("the Stream socket") { platforms.streamSockets.open == 1 }

                // Before: group messages are not answered.
                #expect(try await client.post(GenericClient.message("g-1", "hello group", chat: "room", type: "group")) == 200)
                #expect(try await client.post(GenericClient.message("d-1", "hello direct")) == 200)
                _ = try await callback.waitForRequests(count: 1)
                // The group message was judged when it was acked: ignored, so never queued.
                #expect(try await scrapeMetrics(port: try await server.adminPort()).value("switchboard_events_total", Self.ignored) == 1)
                let before = try callbackEventIDs(callback.requests.map(\.body))
                #expect(before == ["app:d-1"], "\(before)")

                // SIGHUP with a route for groups: answered from now on; the Stream bot is untouched.
                try write(groups: true)
                server.send(SIGHUP)
                try await waitUntil("the reload") { server.output.contains("configuration reloaded") }
                #expect(try await client.post(GenericClient.message("g-2", "hello again", chat: "room", type: "group")) == 200)
                _ = try await callback.waitForRequests(count: 2)
                #expect(try callbackEventIDs(callback.requests.map(\.body)) == ["app:d-1", "app:g-2"])
                #expect(platforms.streamSockets.opened == 1, "an unchanged bot keeps its connection")

                // `switchboard reload` after the Stream bot's settings changed: its socket is
                // replaced — the old one closed before the new one opened.
                try write(groups: true, reconnect: "300ms")
                let reloaded = try await CLIProcess.runAsync(["reload"] + adminURL, in: directory)
                #expect(reloaded.status == 0, "\(reloaded.stderr)")
                #expect(reloaded.stdout.contains("changed ding-stream"), "\(reloaded.stdout)")
                try await waitUntil("the new Stream socket") { platforms.streamSockets.opened == 2 && platforms.streamSockets.open == 1 }
                #expect(platforms.streamSockets.mostOpen == 1, "never two sockets for one bot")

                // An invalid file is refused with the line check prints; the old one keeps running.
                try write(groups: true, backend: "nowhere")
                let check = try await CLIProcess.runAsync(["check"], in: directory)
                #expect(check.status == 1)
                let refused = try await CLIProcess.runAsync(["reload"] + adminURL, in: directory)
                #expect(refused.status == 1)
                // `reload` itself reads the file to find the admin listener, so it says the same.
                #expect(refused.stderr == check.stderr, "\(refused.stderr)")
                server.send(SIGHUP)
                try await waitUntil("the refusal") { server.output.contains("reload refused; the running configuration stays") }
                let line = server.output.split(separator: "\n").first { $0.contains("reload refused") } ?? ""
                #expect(line.contains(check.stderr.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "error: ", with: "")), "\(line)")
                #expect(try await client.post(GenericClient.message("g-3", "still here", chat: "room", type: "group")) == 200)
                _ = try await callback.waitForRequests(count: 3)
                #expect(platforms.streamSockets.opened == 2)
                #expect(try await server.terminate() == 0)
                #expect(platforms.streamSockets.open == 0, "shutdown closes the Stream socket")
            }
        }
    }

    @Test func aJobInFlightFinishesWithWhatItStartedWithAndTheConsoleButtonReloads() async throws {
        try await LoopbackServer.withRunning { callback in
            let directory = try scratchDirectory()
            let file = directory.appendingPathComponent("switchboard.yaml")
            func write(direct: Bool) throws {
                try """
                    admin: {port: 0, token: "\(Self.token)"}
                    engine: {poll_interval: 100ms}
                    backends: {slow: {type: echo, delay_ms: 1500}}
                    bots: {app: {platform: generic, secret: "\(Self.secret)", callback_url: "\(callback.url)/reply"}}
                    routes:
                      - {name: \(direct ? "direct" : "groups"), when: {chat: \(direct ? "direct" : "group")}, backend: slow}
                    """.write(to: file, atomically: true, encoding: .utf8)
            }
            try write(direct: true)
            let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
            let client = GenericClient(port: try await server.port(), secret: Self.secret)
            let admin = try await AdminClient(port: try await server.adminPort()).signedIn(with: Self.token)
            let csrf = try #require(AdminClient.csrf(in: try await admin.get("/admin").body))

            // A direct message is being answered (slowly) when the console reloads a file that no
            // longer answers direct messages.
            #expect(try await client.post(GenericClient.message("d-1", "in flight")) == 200)
            _ = try await AdminConsoleTests.waitForStatus(admin, job: "app:d-1", "leased", token: Self.token)
            try write(direct: false)
            let reloaded = try await admin.post("/admin/reload", form: ["csrf": csrf])
            #expect(reloaded.status == 303)
            let shown = try await admin.get(reloaded.location ?? "/admin")
            #expect(shown.body.contains("1 bots, 1 routes, 1 backends"), "the console shows the reload's result")
            #expect(try await admin.post("/admin/reload", form: [:]).status == 403, "the button needs the form's CSRF token")

            // The job in flight still answers, with the routes it started with.
            _ = try await callback.waitForRequests(count: 1, timeout: .seconds(30))
            #expect(try callbackEventIDs(callback.requests.map(\.body)) == ["app:d-1"])
            // New work follows the new file: a direct message is not answered now.
            #expect(try await client.post(GenericClient.message("d-2", "after the reload")) == 200)
            // Judged when it was acked: ignored, never queued.
            #expect(try await scrapeMetrics(port: try await server.adminPort()).value("switchboard_events_total", Self.ignored) == 1)
            #expect(callback.requests.count == 1)
            #expect(try await server.terminate() == 0)
        }
    }
}
