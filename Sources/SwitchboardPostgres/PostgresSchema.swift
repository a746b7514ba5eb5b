import Logging
import PostgresNIO

/// The versioned schema, the same tables as the SQLite store's. The whole migration runs under a
/// session advisory lock — even `CREATE … IF NOT EXISTS` races between sessions in PostgreSQL — and
/// each version in one transaction, so replicas starting together migrate once.
enum PostgresSchema {
    /// Identifies Switchboard's migration lock among other advisory locks on the database.
    static let migrationLock: Int64 = 0x5357_4254_4348

    static let migrations: [(version: Int, statements: [PostgresQuery])] = [
        (1, [
            "CREATE TABLE dedup (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
            "CREATE INDEX dedup_expiry ON dedup (expires_at)",
            """
            CREATE TABLE jobs (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                ordering_key TEXT NOT NULL,
                event TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'done', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                not_before BIGINT,
                lease_token TEXT,
                lease_owner TEXT,
                lease_expires BIGINT,
                last_error TEXT,
                enqueued_at BIGINT NOT NULL,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX jobs_unfinished ON jobs (ordering_key, seq) WHERE status IN ('pending', 'leased')",
            "CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL",
            "CREATE TABLE conversations (key TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, last_used BIGINT NOT NULL)",
            "CREATE TABLE reply_state (job_id TEXT NOT NULL, key TEXT NOT NULL, value BYTEA NOT NULL, PRIMARY KEY (job_id, key))",
        ]),
        // A reset keeps the row with an empty id and a higher generation (see
        // StateStore.saveConversation); `last_used` is indexed for the retention purge.
        (2, [
            "ALTER TABLE conversations ADD COLUMN generation INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX conversations_last_used ON conversations (last_used)",
        ]),
        // The trace context a job keeps from its webhook; `jobs_queue` answers the queue gauges
        // (counts by status, the oldest pending job) from the index.
        (3, [
            "ALTER TABLE jobs ADD COLUMN trace_context TEXT",
            "CREATE INDEX jobs_queue ON jobs (status, seq) WHERE status IN ('pending', 'leased')",
        ]),
        // For the operator's console: jobs by time (and bot), and every attempt with its times,
        // owner, outcome and error.
        (4, [
            "ALTER TABLE jobs ADD COLUMN bot TEXT",
            "ALTER TABLE jobs ADD COLUMN discarded_at BIGINT",
            "UPDATE jobs SET bot = (event::jsonb)->>'bot' WHERE bot IS NULL",
            "CREATE INDEX jobs_enqueued ON jobs (enqueued_at)",
            "CREATE INDEX jobs_bot_recent ON jobs (bot, seq)",
            """
            CREATE TABLE job_attempts (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                job_id TEXT NOT NULL,
                attempt INTEGER NOT NULL,
                owner TEXT,
                started_at BIGINT NOT NULL,
                ended_at BIGINT,
                outcome TEXT NOT NULL,
                error TEXT
            )
            """,
            "CREATE INDEX job_attempts_job ON job_attempts (job_id, id)",
        ]),
        // Leases: who holds what only one replica may do.
        (5, ["CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at BIGINT NOT NULL)"]),
        // Rate-limit hits and debounce bursts (marks live in `dedup`).
        (6, [
            "CREATE TABLE hits (key TEXT NOT NULL, hit TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (key, hit))",
            "CREATE INDEX hits_at ON hits (key, at)",
            """
            CREATE TABLE bursts (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                key TEXT NOT NULL,
                item TEXT NOT NULL UNIQUE,
                text TEXT NOT NULL,
                at BIGINT NOT NULL,
                claimed_by TEXT
            )
            """,
            "CREATE INDEX bursts_key ON bursts (key, seq)",
            "CREATE INDEX bursts_at ON bursts (at)",
        ]),
    ]

    static func migrate(_ connection: PostgresConnection, schema: String?, logger: Logger) async throws {
        // Held until unlocked or the connection closes.
        try await connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: logger)
        if let schema {
            // The name is checked to be a plain identifier, so it can be written into the statement.
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
        }
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS switchboard_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            logger: logger
        )
        for migration in migrations {
            try await connection.withTransaction(logger: logger) { connection in
                let applied = try await connection.query("SELECT 1 FROM switchboard_migrations WHERE version = \(migration.version)", logger: logger)
                    .collect()
                guard applied.isEmpty else { return }
                for statement in migration.statements {
                    try await connection.query(statement, logger: logger)
                }
                try await connection.query("INSERT INTO switchboard_migrations (version) VALUES (\(migration.version))", logger: logger)
                logger.info("state schema migrated", metadata: ["version": "\(migration.version)"])
            }
        }
        try await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
    }
}
