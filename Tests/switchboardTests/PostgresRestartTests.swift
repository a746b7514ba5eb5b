import Foundation
import SwitchboardTesting
import Testing

/// One `switchboard serve` on PostgreSQL, and the database restarted under it (`pg_ctl restart
/// -m fast`: every connection cut): the server stays up, a message acknowledged before the restart
/// and one sent while the database is away (refused with 503, redelivered as a platform does) are
/// each answered once. Runs whenever PostgreSQL is there, on a server of its own.
@Suite("PostgreSQL restart under one server", .timeLimit(.minutes(3)))
struct PostgresRestartTests {
    static let secret = "pg-restart-secret-0123456789"

    @Test(.enabled(if: PrivatePostgres.isThere, "PostgreSQL is not installed here (.ci/run installs it)"))
    func theServerRidesOutADatabaseRestart() async throws {
        try await PrivatePostgres.withRunning { postgres in
            try await LoopbackServer.withRunning { callback in
                let directory = try scratchDirectory()
                defer { try? FileManager.default.removeItem(at: directory) }
                try """
                    state: {postgres: "\(postgres.url)", schema: restart}
                    engine: {lease_duration: 5s, poll_interval: 100ms, retry_initial_delay: 200ms, retry_max_delay: 1s}
                    backends: {slow: {type: echo, delay_ms: 300}}
                    bots: {app: {platform: generic, secret: "\(Self.secret)", callback_url: "\(callback.url)/reply"}}
                    """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
                let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
                let client = GenericClient(port: try await server.port(), secret: Self.secret)

                #expect(try await client.post(GenericClient.message("m-1", "重启之前")) == 200)
                _ = try await callback.waitForRequests(count: 1, timeout: .seconds(30))

                // Acknowledged, then the database goes away while it is being answered.
                #expect(try await client.post(GenericClient.message("m-2", "重启之时", chat: "chat-2")) == 200)
                try await postgres.restart()
                // Sent right after: refused until the server has its connections back, then accepted.
                var refused = 0
                try await waitUntil("m-3 accepted", timeout: .seconds(60), poll: .milliseconds(200)) {
                    let status = (try? await client.post(GenericClient.message("m-3", "重启之后", chat: "chat-3"))) ?? 0
                    if status != 200 { refused += 1 }
                    return status == 200
                }
                // The fences: a later message in m-2's and in m-3's conversation, each answered
                // after the one before it — then nothing of those can still come.
                #expect(try await client.post(GenericClient.message("m-4", "最后", chat: "chat-3")) == 200)
                #expect(try await client.post(GenericClient.message("m-5", "最后", chat: "chat-2")) == 200)
                do {
                    try await waitUntil("the fences' answers", timeout: .seconds(60)) {
                        let answered = (try? callbackEventIDs(callback.requests.map(\.body))) ?? []
                        return answered.contains("app:m-4") && answered.contains("app:m-5")
                    }
                } catch {
                    Issue.record("\(error); answered: \((try? callbackEventIDs(callback.requests.map(\.body))) ?? []); \(refused) refusals\n\(server.output.suffix(8000))")
                    throw error
                }
                let answered = try callbackEventIDs(callback.requests.map(\.body))
                #expect(answered.sorted() == ["app:m-1", "app:m-2", "app:m-3", "app:m-4", "app:m-5"], "\(answered); \(refused) refusals\n\(server.output.suffix(6000))")
                #expect(server.isRunning, "the server stayed up")
                #expect(try await server.terminate() == 0, "\(server.output.suffix(2000))")
            }
        }
    }
}
