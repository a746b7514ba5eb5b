public import Foundation
import PostgresNIO
public import SwitchboardCore

// Conversation features: marks (in `dedup`), rate-limit hits and debounce bursts (migration 6),
// and `/reset all`. A counter or a burst is read and written in one transaction under a
// transaction-scoped advisory lock on its key, so replicas counting the same key take turns.
extension PostgresStateStore {
    /// The first half of the advisory-lock pair for feature keys (the second is the key's hash).
    static let featureLockSpace: Int32 = 0x5342_4654

    public func resetConversations(under prefix: String, now: Date) async throws -> [ForgottenConversation] {
        try await translatingErrors {
            try await client.withTransaction(logger: logger) { connection in
                let bar = prefix + "|", slash = prefix + "/"
                let rows = try await connection.query(
                    """
                    SELECT key, conversation_id, last_used FROM conversations
                    WHERE key = \(prefix) OR left(key, \(Int32(prefix.unicodeScalars.count + 1))) IN (\(bar), \(slash)) ORDER BY key FOR UPDATE
                    """,
                    logger: logger
                )
                var forgotten: [ForgottenConversation] = []
                for try await (key, id, lastUsed) in rows.decode((String, String, Int64).self) {
                    forgotten.append(ForgottenConversation(key: key, stored: id.isEmpty ? nil : StoredConversation(id: id, lastUsed: Date(unixMilliseconds: lastUsed))))
                }
                for entry in forgotten {
                    try await connection.query(
                        "UPDATE conversations SET conversation_id = '', last_used = \(now.unixMilliseconds), generation = generation + 1 WHERE key = \(entry.key)",
                        logger: logger
                    )
                }
                return forgotten
            }
        }
    }

    public func setMark(_ key: String, until: Date, now: Date) async throws {
        try await translatingErrors {
            try await client.query(
                "INSERT INTO dedup (key, expires_at) VALUES (\(key), \(until.unixMilliseconds)) ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at",
                logger: logger
            )
        }
    }

    public func isMarked(_ key: String, now: Date) async throws -> Bool {
        try await translatingErrors {
            try await !client.query("SELECT 1 FROM dedup WHERE key = \(key) AND expires_at > \(now.unixMilliseconds)", logger: logger).collect().isEmpty
        }
    }

    public func countHit(_ hit: String, in counters: [HitCounter], now: Date) async throws -> Int? {
        guard let first = counters.first else { return nil }
        return try await translatingErrors {
            try await client.withTransaction(logger: logger) { connection in
                // In one order, so two transactions locking the same keys never wait on each other.
                for key in Set(counters.map(\.key)).sorted() {
                    try await Self.lockFeature(key, connection: connection, logger: logger)
                }
                let known = try await connection.query("SELECT 1 FROM hits WHERE key = \(first.key) AND hit = \(hit)", logger: logger).collect()
                if !known.isEmpty { return nil }
                for (index, counter) in counters.enumerated() {
                    var counted = 0
                    let rows = try await connection.query(
                        "SELECT count(*) FROM hits WHERE key = \(counter.key) AND at >= \(counter.since.unixMilliseconds)", logger: logger
                    )
                    for try await count in rows.decode(Int64.self) { counted = Int(count) }
                    if counted >= counter.limit { return index }
                }
                for counter in counters {
                    try await connection.query(
                        "INSERT INTO hits (key, hit, at) VALUES (\(counter.key), \(hit), \(now.unixMilliseconds)) ON CONFLICT DO NOTHING", logger: logger
                    )
                }
                return nil
            }
        }
    }

    public func addToBurst(_ key: String, item: String, text: String, now: Date) async throws {
        try await translatingErrors {
            try await client.query(
                "INSERT INTO bursts (key, item, text, at) VALUES (\(key), \(item), \(text), \(now.unixMilliseconds)) ON CONFLICT (item) DO NOTHING",
                logger: logger
            )
        }
    }

    public func claimBurst(_ key: String, item: String, quiet: Duration, now: Date) async throws -> BurstClaim {
        try await translatingErrors {
            try await client.withTransaction(logger: logger) { connection in
                try await Self.lockFeature(key, connection: connection, logger: logger)
                var found = false
                var owner: String?
                for try await claimedBy in try await connection.query(
                    "SELECT claimed_by FROM bursts WHERE key = \(key) AND item = \(item)", logger: logger
                ).decode(String?.self) {
                    found = true
                    owner = claimedBy
                }
                guard found else { return .unknown }
                if let owner, owner != item { return .absorbed }
                if owner == nil {
                    var last: Int64 = 0
                    let rows = try await connection.query("SELECT max(at) FROM bursts WHERE key = \(key) AND claimed_by IS NULL", logger: logger)
                    for try await at in rows.decode(Int64?.self) { last = at ?? 0 }
                    let quietFrom = Date(unixMilliseconds: last).adding(quiet)
                    if now < quietFrom { return .wait(until: quietFrom) }
                    try await connection.query("UPDATE bursts SET claimed_by = \(item) WHERE key = \(key) AND claimed_by IS NULL", logger: logger)
                }
                var texts: [String] = []
                let rows = try await connection.query("SELECT text FROM bursts WHERE key = \(key) AND claimed_by = \(item) ORDER BY seq", logger: logger)
                for try await text in rows.decode(String.self) { texts.append(text) }
                return .answer(texts)
            }
        }
    }

    private static func lockFeature(_ key: String, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(featureLockSpace), hashtext(\(key)))", logger: logger)
    }
}
