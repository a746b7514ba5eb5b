import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardCore
@testable import SwitchboardPostgres
import SwitchboardPostgresSchemas
import SwitchboardTesting
import Testing

/// The PostgreSQL server the tests use: `SWITCHBOARD_TEST_POSTGRES_URL` (`.ci/run` starts one and
/// sets it; locally, `eval "$(.ci/start-postgres)"`).
enum TestPostgres {
    static let url = FreshSchema.url
    static let skipReason: Comment = "SWITCHBOARD_TEST_POSTGRES_URL is not set; run eval \"$(.ci/start-postgres)\" first (.ci/run does)"

    /// A store in a schema of its own, its pool running, dropped afterwards.
    static func withStore(_ body: (PostgresStateStore) async throws -> Void) async throws {
        var logger = Logger(label: "postgres-test")
        logger.logLevel = .warning
        try await FreshSchema.with(prefix: "t", url: url!) { schema in
            // Three connections each: the thirty-odd conformance checks run at once on one server.
            let store = try await PostgresStateStore.open(try PostgresStoreConfiguration(url: url!, schema: schema, maxConnections: 3), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in store.services { group.addTask { try await service.run() } }
                defer { group.cancelAll() }
                try await body(store)
            }
        }
    }
}

@Suite("PostgreSQL state store", .enabled(if: TestPostgres.url != nil, TestPostgres.skipReason), .timeLimit(.minutes(5)))
struct PostgresStateStoreTests {
    @Test("conformance", arguments: StateStoreConformance.checks)
    func conformance(_ check: StateStoreConformance.Check) async throws {
        try await TestPostgres.withStore { store in try await check.run(on: store) }
    }

    @Test func aFailingServerIsOneLineAndTheStoreWorksAgainWhenItIsBack() async throws {
        try await TestPostgres.withStore { store in
            let schema = try #require(store.configuration.schema)
            let request = LeaseRequest(owner: "r", limit: 5, duration: .seconds(30), maxAttempts: 3, now: Date())
            let job = Job(event: GenericMessage("e1", "hi", chat: "c", sender: "u").event, orderingKey: "k")
            _ = try await store.lease(request)
            // The tables vanish from the store's search path, as if the database were replaced.
            try await store.client.query(PostgresQuery(unsafeSQL: "ALTER SCHEMA \(schema) RENAME TO \(schema)_away"))
            do {
                _ = try await store.lease(request)
                Issue.record("leased without its tables")
            } catch {
                // The transaction's error, not a PostgresTransactionError dump over many lines.
                let text = "\(error)"
                #expect(error is PostgresStateStoreError)
                #expect(!text.contains("\n"), "\(text)")
                #expect(text.hasPrefix(store.configuration.description + ": "), "\(text)")
                #expect(text.contains("jobs"), "\(text)")
            }
            await #expect(throws: PostgresStateStoreError.self) { _ = try await store.enqueue(job, dedupTTL: .seconds(60), now: Date()) }
            try await store.client.query(PostgresQuery(unsafeSQL: "ALTER SCHEMA \(schema)_away RENAME TO \(schema)"))
            #expect(try await store.enqueue(job, dedupTTL: .seconds(60), now: Date()))
        }
    }

    @Test func migratingTwiceIsHarmless() async throws {
        try await TestPostgres.withStore { store in
            var logger = Logger(label: "t")
            logger.logLevel = .warning
            _ = try await PostgresStateStore.open(store.configuration, logger: logger)
            try await StateStoreConformance.checks[0].run(on: store)
        }
    }
}

@Suite("PostgreSQL settings", .timeLimit(.minutes(5)))
struct PostgresStoreConfigurationTests {
    @Test func readsTheURLAndNeverShowsThePassword() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://switch%40board:p%40ss-secret@db.internal:6543/bots?sslmode=require", schema: "sb")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "switch@board")
        #expect(configuration.password == "p@ss-secret")
        #expect(configuration.database == "bots")
        #expect(configuration.tls == .require)
        #expect(configuration.description == "PostgreSQL switch@board@db.internal:6543/bots (schema sb)")
        #expect(try PostgresStoreConfiguration(url: "postgresql://u@h/db").tls == .prefer)
    }

    @Test func badURLsAreRefusedWithoutQuotingThem() {
        for (url, reason) in [
            ("mysql://u:secretpw@h/db", "must be a postgres://user:password@host:port/database URL"),
            ("postgres://:secretpw@h/db", "names no user"),
            ("postgres://u:secretpw@h/db?sslmode=maybe", "sslmode must be disable, prefer or require"),
        ] {
            #expect(throws: PostgresURLError.self) { try PostgresStoreConfiguration(url: url) }
            do {
                _ = try PostgresStoreConfiguration(url: url)
            } catch {
                #expect(error.description == reason)
                #expect(!error.description.contains("secretpw"))
            }
        }
        #expect(throws: PostgresURLError.self) { try PostgresStoreConfiguration(url: "postgres://u@h/db", schema: "Drop Table") }
    }

    @Test func anUnreachableServerIsOneLineWithoutThePassword() async throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://u:secretpw@127.0.0.1:1/db?sslmode=disable")
        var options = configuration
        options.maxConnections = 1
        let error = await #expect(throws: PostgresStateStoreError.self) {
            _ = try await PostgresStateStore.open(options, logger: Logger(label: "t"))
        }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("PostgreSQL u@127.0.0.1:1/db: "))
        #expect(!text.contains("secretpw"))
        #expect(!text.contains("\n"))
    }
}
