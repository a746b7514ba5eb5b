import Foundation
import Logging
import PostgresNIO
@testable import SwitchboardPostgres
import SwitchboardPostgresSchemas
import SwitchboardTesting
import Testing

/// Two `switchboard serve` processes sharing one PostgreSQL database: what one acknowledged, exactly
/// one answers, and each conversation stays in order across both.
@Suite(
    "Several replicas (PostgreSQL)",
    .enabled(
        if: ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"].map { !$0.isEmpty } ?? false,
        "SWITCHBOARD_TEST_POSTGRES_URL is not set; run eval \"$(.ci/start-postgres)\" first (.ci/run does)"
    ),
    .timeLimit(.minutes(10))
)
struct MultiReplicaTests {
    static let secret = "replica-secret-0123456789"

    @Test func twoReplicasAnswerEveryEventOnceAndInOrder() async throws {
        let url = try #require(FreshSchema.url)
        try await FreshSchema.with(prefix: "replicas", url: url) { schema in try await run(url: url, schema: schema) }
    }

    func run(url: String, schema: String) async throws {
        try await LoopbackServer.withRunning { callback in
            let directory = try scratchDirectory()
            try """
                state: {postgres: "\(url)", schema: \(schema)}
                engine: {poll_interval: 100ms, lease_duration: 10s}
                backends: {main: {type: echo, delay_ms: 100}}
                bots: {app: {platform: generic, secret: "\(Self.secret)", callback_url: "\(callback.url)/reply"}}
                """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let environment = ["SWITCHBOARD_CONFIG": ""]
            let a = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
            let b = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
            let replicas = [GenericClient(port: try await a.port(), secret: Self.secret), GenericClient(port: try await b.port(), secret: Self.secret)]

            // A platform retry that reaches the other replica.
            async let first = replicas[0].post(GenericClient.message("dup-1", "once", chat: "dup"))
            async let second = replicas[1].post(GenericClient.message("dup-1", "once", chat: "dup"))
            #expect(try await [first, second] == [200, 200])
            #expect(try await replicas[1].post(GenericClient.message("dup-2", "after", chat: "dup")) == 200)
            _ = try await callback.waitForRequests(count: 2, timeout: .seconds(60))
            #expect(try callbackEventIDs(callback.requests.map(\.body)) == ["app:dup-1", "app:dup-2"])

            // 200 events in 20 conversations, sent to the replicas in turn. In each conversation a
            // long message (six chunks: 600 ms) is followed by a short one (one chunk: 100 ms) that
            // arrives while the long one is still being answered: answered out of turn, the short
            // one would overtake it.
            var sent: [String: [String]] = [:]
            for index in 0..<200 {
                let chat = "c\(index % 20)"
                let text = (index / 20) % 2 == 0 ? String(repeating: "long message ", count: 4) + "\(index)" : "s\(index)"
                #expect(try await replicas[index % 2].post(GenericClient.message("m-\(index)", text, chat: chat)) == 200)
                sent[chat, default: []].append("app:m-\(index)")
            }
            _ = try await callback.waitForRequests(count: 202, timeout: .seconds(120))
            // The fence: one more message per chat, answered after everything before it in that chat.
            for index in 0..<20 {
                #expect(try await replicas[index % 2].post(GenericClient.message("fence-\(index)", "fence", chat: "c\(index)")) == 200)
            }
            try await waitUntil("the fences' answers", timeout: .seconds(60)) {
                (try? callbackEventIDs(callback.requests.map(\.body)))?.filter { $0.hasPrefix("app:fence-") }.count == 20
            }
            let all = try callbackEventIDs(callback.requests.map(\.body))
            let answered = try callbackEventIDs(callback.requests.map(\.body)).filter { $0.hasPrefix("app:m-") }
            #expect(answered.count == 200, "\(all.count) callbacks in all")
            #expect(Set(answered).count == 200, "some event was answered twice")
            for (chat, ids) in sent {
                #expect(answered.filter { ids.contains($0) } == ids, "order in \(chat)")
            }
            #expect(a.output.contains("reply delivered") && b.output.contains("reply delivered"), "one replica did all the work")
            #expect(try await a.terminate() == 0)
            #expect(try await b.terminate() == 0)
        }
    }

}
