public import Foundation
import GRDB
public import SwitchboardCore

// The conversation map: scope key ▸ backend conversation, with the generation a reset advances.
extension SQLiteStateStore {
    public func conversation(_ key: String) async throws -> ConversationEntry {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT conversation_id, last_used, generation FROM conversations WHERE key = ?", arguments: [key]) else {
                return ConversationEntry()
            }
            let id: String = row["conversation_id"]
            return ConversationEntry(
                stored: id.isEmpty ? nil : StoredConversation(id: id, lastUsed: Date(unixMilliseconds: row["last_used"])), generation: row["generation"]
            )
        }
    }

    public func saveConversation(_ key: String, id: String, generation: Int, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: SQLiteQueries.saveConversation, arguments: [key, id, now.unixMilliseconds, generation])
            return db.changesCount == 1
        }
    }

    public func resetConversation(_ key: String, now: Date) async throws -> StoredConversation? {
        try await write { db in
            let old = try Row.fetchOne(db, sql: "SELECT conversation_id, last_used FROM conversations WHERE key = ?", arguments: [key])
            try db.execute(sql: SQLiteQueries.resetConversation, arguments: [key, now.unixMilliseconds])
            guard let old, let id = old["conversation_id"] as String?, !id.isEmpty else { return nil }
            return StoredConversation(id: id, lastUsed: Date(unixMilliseconds: old["last_used"]))
        }
    }

    public func resetConversations(under prefix: String, now: Date) async throws -> [ForgottenConversation] {
        try await write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT key, conversation_id, last_used FROM conversations
                    WHERE key = ?1 OR substr(key, 1, length(?1) + 1) IN (?1 || '|', ?1 || '/') ORDER BY key
                    """,
                arguments: [prefix]
            )
            return try rows.map { row in
                let key: String = row["key"]
                let id: String = row["conversation_id"]
                try db.execute(sql: SQLiteQueries.resetConversation, arguments: [key, now.unixMilliseconds])
                return ForgottenConversation(key: key, stored: id.isEmpty ? nil : StoredConversation(id: id, lastUsed: Date(unixMilliseconds: row["last_used"])))
            }
        }
    }
}
