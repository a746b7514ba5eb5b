import Foundation
import Logging
import PostgresNIO
@testable import SwitchboardPostgres

/// A schema of a test's own on the tests' PostgreSQL server, dropped afterwards whatever the
/// test did — the one fixture of the PostgreSQL tests (stores, replicas, long connections).
package enum FreshSchema {
    /// `SWITCHBOARD_TEST_POSTGRES_URL` (`.ci/run` starts a server and sets it; locally,
    /// `eval "$(.ci/start-postgres)"`), nil when unset.
    package static var url: String? {
        ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs `body` with a new schema name (`<prefix>_<random>`; `body` makes the schema, as a
    /// store opened on it does), then drops the schema — after a failure too.
    package static func with<T>(prefix: String, url: String, _ body: (String) async throws -> T) async throws -> T {
        let schema = prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let result: T
        do {
            result = try await body(schema)
        } catch {
            try? await drop(schema, url: url)
            throw error
        }
        try await drop(schema, url: url)
        return result
    }

    /// `DROP SCHEMA … CASCADE` over a connection of its own (the test's stores may be closed).
    package static func drop(_ schema: String, url: String) async throws {
        let logger = Logger(label: "fresh-schema")
        let configuration = try PostgresStoreConfiguration(url: url)
        let connection = try await PostgresConnection.connect(configuration: try configuration.connectionConfiguration(), id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
