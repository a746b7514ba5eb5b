import Foundation
import GRDB
import SwitchboardCore

/// The versioned schema. Times are integer Unix milliseconds; a job's `seq` orders it within its
/// ordering key. Add a migration for every change; never edit a released one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: dedup, jobs, conversations, reply state") { db in
            try db.execute(sql: """
                CREATE TABLE dedup (
                    key TEXT PRIMARY KEY NOT NULL,
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX dedup_expiry ON dedup (expires_at);

                CREATE TABLE jobs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    ordering_key TEXT NOT NULL,
                    event BLOB NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'done', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    not_before INTEGER,
                    lease_token TEXT,
                    lease_owner TEXT,
                    lease_expires INTEGER,
                    last_error TEXT,
                    enqueued_at INTEGER NOT NULL,
                    finished_at INTEGER
                );
                CREATE INDEX jobs_unfinished ON jobs (ordering_key, seq) WHERE status IN ('pending', 'leased');
                CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

                CREATE TABLE conversations (
                    key TEXT PRIMARY KEY NOT NULL,
                    conversation_id TEXT NOT NULL,
                    last_used INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE reply_state (
                    job_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY (job_id, key)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("2: conversation generations, idle conversations purged") { db in
            // A reset keeps the row with an empty id and a higher generation (see
            // StateStore.saveConversation); `last_used` is indexed for the retention purge.
            try db.execute(sql: """
                ALTER TABLE conversations ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX conversations_last_used ON conversations (last_used);
                """)
        }
        migrator.registerMigration("3: trace context of jobs, queue gauges by index") { db in
            // `jobs_queue` answers the queue gauges (counts by status, the oldest pending job)
            // from the index alone.
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN trace_context TEXT;
                CREATE INDEX jobs_queue ON jobs (status, seq) WHERE status IN ('pending', 'leased');
                """)
        }
        migrator.registerMigration("4: jobs by bot and time, the attempt history, discarded jobs") { db in
            // For the operator's console: list jobs by time (and bot) from an index, and keep every
            // attempt with its times, owner, outcome and error.
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN bot TEXT;
                ALTER TABLE jobs ADD COLUMN discarded_at INTEGER;
                CREATE INDEX jobs_enqueued ON jobs (enqueued_at);
                CREATE INDEX jobs_bot_recent ON jobs (bot, seq);
                CREATE TABLE job_attempts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    owner TEXT,
                    started_at INTEGER NOT NULL,
                    ended_at INTEGER,
                    outcome TEXT NOT NULL,
                    error TEXT
                );
                CREATE INDEX job_attempts_job ON job_attempts (job_id, id);
                """)
            // The bot of jobs stored before, from their Event JSON (no JSON1 needed).
            for row in try Row.fetchAll(db, sql: "SELECT seq, event FROM jobs") {
                let event: Data = row["event"]
                guard let bot = try? EventJSON.decode(ChatEvent.self, from: event).bot else { continue }
                try db.execute(sql: "UPDATE jobs SET bot = ? WHERE seq = ?", arguments: [bot, row["seq"] as Int64])
            }
        }
        migrator.registerMigration("5: leases (who holds what only one replica may do)") { db in
            try db.execute(sql: "CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)")
        }
        migrator.registerMigration("6: rate-limit hits and debounce bursts") { db in
            // Marks (follow-ups, the bot's own messages) live in `dedup`: a key and its expiry.
            try db.execute(sql: """
                CREATE TABLE hits (
                    key TEXT NOT NULL,
                    hit TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (key, hit)
                ) WITHOUT ROWID;
                CREATE INDEX hits_at ON hits (key, at);
                CREATE TABLE bursts (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL,
                    item TEXT NOT NULL UNIQUE,
                    text TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    claimed_by TEXT
                );
                CREATE INDEX bursts_key ON bursts (key, seq);
                CREATE INDEX bursts_at ON bursts (at);
                """)
        }
        return migrator
    }
}
