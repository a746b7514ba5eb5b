public import Foundation
import GRDB
import SwitchboardCore

// Leases: who holds what only one replica may do (the `leases` table, migration 5).
extension SQLiteStateStore {
    public func holdLease(_ name: String, owner: String, ttl: Duration, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE leases.owner = excluded.owner OR leases.expires_at <= ?
                    """,
                arguments: [name, owner, now.adding(ttl).unixMilliseconds, now.unixMilliseconds]
            )
            return db.changesCount > 0
        }
    }

    public func releaseLease(_ name: String, owner: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM leases WHERE name = ? AND owner = ?", arguments: [name, owner]) }
    }
}
