import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import SwitchboardCore
@testable import SwitchboardPostgres
import SwitchboardPostgresSchemas
import SwitchboardTesting
import Testing

/// Two replicas — two servers, each with its own connection pool — on one PostgreSQL database:
/// a burst split between them is answered once, and a rate limit holds across them.
@Suite("Conversation features on two replicas", .enabled(if: TestPostgres.url != nil, TestPostgres.skipReason), .timeLimit(.minutes(10)))
struct PostgresConversationTests {
    static let secret = "pg-replicas-secret-0123456789"

    /// Two stores on one fresh schema (each server runs its store's pool); the schema is dropped
    /// afterwards.
    static func withTwoStores(_ body: (PostgresStateStore, PostgresStateStore) async throws -> Void) async throws {
        var logger = Logger(label: "postgres-replicas")
        logger.logLevel = .warning
        try await FreshSchema.with(prefix: "t", url: TestPostgres.url!) { schema in
            let configuration = try PostgresStoreConfiguration(url: TestPostgres.url!, schema: schema)
            try await body(try await PostgresStateStore.open(configuration, logger: logger), try await PostgresStateStore.open(configuration, logger: logger))
        }
    }

    static func message(_ id: String, _ text: String) -> Data {
        GenericMessage(id, text, chat: "u-1", sender: "u-1").body
    }

    static func post(_ server: RunningSwitchboard, _ body: Data) async throws -> Int {
        var headers = GenericSignature(secret: secret).headers(for: body, now: Date())
        headers[.contentType] = "application/json"
        return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/app", headers: headers, body: body)).status
    }

    /// Waits until the shared queue has no unfinished job (pending, waiting for a retry or a
    /// burst's quiet, or leased).
    static func idle(_ store: any StateStore) async throws {
        try await waitUntil("the queue idle", timeout: .seconds(30), poll: .milliseconds(50)) {
            let stats = try await store.queueStats()
            return stats.pending == 0 && stats.leased == 0
        }
    }

    static func replies(_ callback: LoopbackServer) -> [(event: String, text: String)] {
        callback.requests.map { request in
            let json = try? JSONParser.parse(request.body)
            return (json?["event_id"]?.string ?? "", json?["reply"]?["markdown"]?.string ?? "")
        }
    }

    @Test("debounce: three lines sent to two replicas in turn are answered once; rate_limit per_user holds across them, with one notice")
    func burstAndLimitAcrossReplicas() async throws {
        try await Self.withTwoStores { storeA, storeB in
            try await LoopbackServer.withRunning { callback in
                let yaml = """
                    bots: {app: {platform: generic, secret: "\(Self.secret)", callback_url: "\(callback.url)/reply"}}
                    engine: {poll_interval: 50ms}
                    routes:
                      - {name: direct, when: {chat: direct}, backend: echo, debounce: 2s, rate_limit: {per_user: 3/h, notice: 请稍后再问}}
                    """
                try await RunningSwitchboard.run(yaml: yaml, store: storeA, replicaID: "replica-a") { a in
                    try await RunningSwitchboard.run(yaml: yaml, store: storeB, replicaID: "replica-b") { b in
                        for (server, id, text) in [(a, "m1", "我想请假"), (b, "m2", "下周一到周三"), (a, "m3", "需要谁批？")] {
                            #expect(try await Self.post(server, Self.message(id, text)) == 200)
                        }
                        // A redelivery to the other replica is a duplicate there too.
                        #expect(try await Self.post(b, Self.message("m1", "我想请假")) == 200)
                        _ = try await callback.waitForRequests(count: 1)
                        // Every job of both replicas ended: nothing more can be answered.
                        try await Self.idle(storeA)
                        #expect(callback.requests.count == 1)
                        #expect(Self.replies(callback).first?.text == "我想请假\n下周一到周三\n需要谁批？")

                        // The burst counted once: two more fit in 3/h, then one notice, then quiet.
                        var expected = 1
                        for (server, id, answered) in [(b, "m4", true), (a, "m5", true), (b, "m6", true), (a, "m7", false)] {
                            #expect(try await Self.post(server, Self.message(id, "问题 \(id)")) == 200)
                            if answered {
                                expected += 1
                                _ = try await callback.waitForRequests(count: expected)
                            }
                        }
                        try await Self.idle(storeA)
                        let replies = Self.replies(callback)
                        #expect(replies.map(\.event) == ["app:m1", "app:m4", "app:m5", "app:m6"])
                        #expect(replies.last?.text == "请稍后再问")
                    }
                }
            }
        }
    }
}
