public import Foundation
import GRDB
public import SwitchboardCore

// Conversation features: marks (in `dedup`), rate-limit hits and debounce bursts (migration 6).
// Each operation is one transaction, so two processes agree.
extension SQLiteStateStore {
    public func setMark(_ key: String, until: Date, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO dedup (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at",
                arguments: [key, until.unixMilliseconds]
            )
        }
    }

    public func isMarked(_ key: String, now: Date) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM dedup WHERE key = ? AND expires_at > ?", arguments: [key, now.unixMilliseconds]) ?? false
        }
    }

    public func countHit(_ hit: String, in counters: [HitCounter], now: Date) async throws -> Int? {
        try await write { db in
            guard let first = counters.first else { return nil }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM hits WHERE key = ? AND hit = ?", arguments: [first.key, hit]) == true { return nil }
            for (index, counter) in counters.enumerated() {
                let counted = try Int.fetchOne(db, sql: "SELECT count(*) FROM hits WHERE key = ? AND at >= ?", arguments: [counter.key, counter.since.unixMilliseconds]) ?? 0
                if counted >= counter.limit { return index }
            }
            for counter in counters {
                try db.execute(sql: "INSERT INTO hits (key, hit, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", arguments: [counter.key, hit, now.unixMilliseconds])
            }
            return nil
        }
    }

    public func addToBurst(_ key: String, item: String, text: String, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO bursts (key, item, text, at) VALUES (?, ?, ?, ?) ON CONFLICT (item) DO NOTHING",
                arguments: [key, item, text, now.unixMilliseconds]
            )
        }
    }

    public func claimBurst(_ key: String, item: String, quiet: Duration, now: Date) async throws -> BurstClaim {
        try await write { db in
            guard let own = try Row.fetchOne(db, sql: "SELECT claimed_by FROM bursts WHERE key = ? AND item = ?", arguments: [key, item]) else {
                return .unknown
            }
            let claimedTexts = "SELECT text FROM bursts WHERE key = ? AND claimed_by = ? ORDER BY seq"
            if let owner = own["claimed_by"] as String? {
                return owner == item ? .answer(try String.fetchAll(db, sql: claimedTexts, arguments: [key, item])) : .absorbed
            }
            let last = try Int64.fetchOne(db, sql: "SELECT max(at) FROM bursts WHERE key = ? AND claimed_by IS NULL", arguments: [key]) ?? 0
            let quietFrom = Date(unixMilliseconds: last).adding(quiet)
            if now < quietFrom { return .wait(until: quietFrom) }
            try db.execute(sql: "UPDATE bursts SET claimed_by = ? WHERE key = ? AND claimed_by IS NULL", arguments: [item, key])
            return .answer(try String.fetchAll(db, sql: claimedTexts, arguments: [key, item]))
        }
    }
}
