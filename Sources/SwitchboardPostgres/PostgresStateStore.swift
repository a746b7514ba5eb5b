public import Foundation
public import Logging
import PostgresNIO
public import ServiceLifecycle
public import SwitchboardCore

/// A ``StateStore`` on PostgreSQL that several Switchboard replicas share.
///
/// Dedup is a unique key claimed with `INSERT … ON CONFLICT` in the same statement that stores the
/// job; leasing takes ready jobs with `FOR UPDATE SKIP LOCKED`, only the head of each ordering key
/// and never a key with a live lease elsewhere, so one conversation is worked on by one replica at
/// a time, in order. A replica that dies mid-job gives the job back when its lease expires.
public final class PostgresStateStore: StateStore {
    let client: PostgresClient
    let logger: Logger
    public let configuration: PostgresStoreConfiguration
    /// Concurrent enqueues go to the server together (``EnqueueBatcher``).
    private let batcher: EnqueueBatcher

    private init(client: PostgresClient, configuration: PostgresStoreConfiguration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        batcher = EnqueueBatcher { batch in
            try await Self.commit(batch, client: client, configuration: configuration, logger: logger)
        }
    }

    /// The connection pool; it must run (in the server's `ServiceGroup`, or a test's task group)
    /// while the store is used.
    public var services: [any Service] { [client] }

    /// Connects once to migrate, then returns a store whose pool is not yet running. Throws
    /// ``PostgresStateStoreError`` — one line, no password — when the server cannot be used.
    public static func open(_ configuration: PostgresStoreConfiguration, logger: Logger) async throws -> PostgresStateStore {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try configuration.connectionConfiguration(), id: 0, logger: logger
            )
            do {
                try await PostgresSchema.migrate(connection, schema: configuration.schema, logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw PostgresStateStoreError(configuration: configuration, underlying: error)
        }
        let client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        return PostgresStateStore(client: client, configuration: configuration, logger: logger)
    }

    // MARK: Ownership

    public func holdLease(_ name: String, owner: String, ttl: Duration, now: Date) async throws -> Bool {
        try await translatingErrors {
            let expires = now.adding(ttl).unixMilliseconds
            let rows = try await client.query(
                """
                INSERT INTO leases (name, owner, expires_at) VALUES (\(name), \(owner), \(expires))
                ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                WHERE leases.owner = EXCLUDED.owner OR leases.expires_at <= \(now.unixMilliseconds)
                RETURNING name
                """,
                logger: logger
            ).collect()
            return rows.count == 1
        }
    }

    public func releaseLease(_ name: String, owner: String) async throws {
        try await translatingErrors {
            _ = try await client.query("DELETE FROM leases WHERE name = \(name) AND owner = \(owner)", logger: logger).collect()
        }
    }

    // MARK: Dedup

    public func claim(_ key: String, ttl: Duration, now: Date) async throws -> Bool {
        try await translatingErrors {
            let expires = now.adding(ttl).unixMilliseconds
            let rows = try await client.query(
                """
                INSERT INTO dedup (key, expires_at) VALUES (\(key), \(expires))
                ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE dedup.expires_at <= \(now.unixMilliseconds)
                RETURNING key
                """,
                logger: logger
            ).collect()
            return rows.count == 1
        }
    }

    // MARK: Jobs

    /// Claims and stores the job in one statement shared with the enqueues that arrived meanwhile
    /// (``EnqueueBatcher``, `PostgresStateStore+Enqueue`); returns once it is committed.
    public func enqueue(_ job: Job, dedupTTL: Duration, now: Date) async throws -> Bool {
        try await batcher.enqueue(job, event: try EventJSON.encode(job.event), expiresAt: now.adding(dedupTTL), now: now)
    }

    public func lease(_ request: LeaseRequest) async throws -> [JobLease] {
        try await translatingErrors {
            let now = request.now.unixMilliseconds
            let expires = request.now.adding(request.duration).unixMilliseconds
            let leased = try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    UPDATE jobs SET status = 'failed', finished_at = \(now), last_error = \(LeaseRequest.abandonedJobError), lease_token = NULL
                    WHERE status = 'leased' AND lease_expires <= \(now) AND attempts >= \(request.maxAttempts)
                    """,
                    logger: logger
                )
                var leased: [(seq: Int64, lease: JobLease)] = []
                let rows = try await connection.query(
                    """
                    WITH ready AS (
                        SELECT j.seq FROM jobs j
                        WHERE j.status IN ('pending', 'leased')
                          AND ((j.status = 'pending' AND (j.not_before IS NULL OR j.not_before <= \(now)))
                               OR (j.status = 'leased' AND j.lease_expires <= \(now)))
                          AND NOT EXISTS (
                              SELECT 1 FROM jobs e
                              WHERE e.ordering_key = j.ordering_key AND e.seq <> j.seq AND e.status IN ('pending', 'leased')
                                AND (e.seq < j.seq OR (e.status = 'leased' AND e.lease_expires > \(now))))
                        ORDER BY j.seq
                        LIMIT \(request.limit)
                        FOR UPDATE SKIP LOCKED
                    )
                    , leased AS (
                        UPDATE jobs SET status = 'leased', attempts = jobs.attempts + 1, lease_token = gen_random_uuid()::text,
                            lease_owner = \(request.owner), lease_expires = \(expires)
                        FROM ready WHERE jobs.seq = ready.seq
                        RETURNING jobs.seq, jobs.id, jobs.ordering_key, jobs.event, jobs.trace_context, jobs.lease_token, jobs.lease_expires, jobs.attempts
                    ), started AS (
                        INSERT INTO job_attempts (job_id, attempt, owner, started_at, outcome)
                        SELECT id, attempts, \(request.owner), \(now), 'running' FROM leased
                    )
                    SELECT seq, ordering_key, event, trace_context, lease_token, lease_expires, attempts FROM leased
                    """,
                    logger: logger
                )
                for try await (seq, orderingKey, event, traceContext, token, leaseExpires, attempts)
                    in rows.decode((Int64, String, String, String?, String, Int64, Int).self)
                {
                    let job = Job(
                        event: try EventJSON.decode(ChatEvent.self, from: Data(event.utf8)), orderingKey: orderingKey, traceContext: traceContext
                    )
                    leased.append((seq, JobLease(job: job, token: token, expiresAt: Date(unixMilliseconds: leaseExpires), attempt: attempts)))
                }
                return leased
            }
            return leased.sorted { $0.seq < $1.seq }.map(\.lease)
        }
    }

    public func queueStats() async throws -> QueueStats {
        try await translatingErrors {
            // Answered from the `jobs_queue` index.
            let rows = try await client.query(
                """
                SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'pending'),
                       (SELECT COUNT(*) FROM jobs WHERE status = 'leased'),
                       (SELECT enqueued_at FROM jobs WHERE status = 'pending' ORDER BY seq LIMIT 1)
                """,
                logger: logger
            )
            for try await (pending, leased, oldest) in rows.decode((Int64, Int64, Int64?).self) {
                return QueueStats(pending: Int(pending), leased: Int(leased), oldestPendingSince: oldest.map(Date.init(unixMilliseconds:)))
            }
            return QueueStats()
        }
    }

    public func renew(_ lease: JobLease, for duration: Duration, now: Date) async throws -> JobLease {
        try await translatingErrors {
            var renewed = lease
            renewed.expiresAt = now.adding(duration)
            try await expectHeld(lease, try await client.query(
                "UPDATE jobs SET lease_expires = \(renewed.expiresAt.unixMilliseconds) WHERE id = \(lease.job.id) AND lease_token = \(lease.token) AND status = 'leased' RETURNING seq",
                logger: logger
            ))
            return renewed
        }
    }

    public func complete(_ lease: JobLease, now: Date) async throws {
        try await translatingErrors {
            try await expectHeld(lease, try await client.query(
                """
                WITH held AS (
                    UPDATE jobs SET status = 'done', finished_at = \(now.unixMilliseconds), lease_token = NULL
                    WHERE id = \(lease.job.id) AND lease_token = \(lease.token) AND status = 'leased' RETURNING seq
                ), ended AS (
                    UPDATE job_attempts SET ended_at = \(now.unixMilliseconds), outcome = 'done'
                    WHERE id = (SELECT MAX(id) FROM job_attempts WHERE job_id = \(lease.job.id) AND attempt = \(lease.attempt) AND outcome = 'running')
                      AND EXISTS (SELECT 1 FROM held)
                )
                SELECT seq FROM held
                """,
                logger: logger
            ))
        }
    }

    public func fail(_ lease: JobLease, error: String, retryAt: Date?, now: Date) async throws {
        try await translatingErrors {
            // Retried: pending again from `retryAt`; given up: failed, finished now.
            let status = retryAt == nil ? "failed" : "pending"
            let outcome = retryAt == nil ? JobAttempt.Outcome.failed.rawValue : JobAttempt.Outcome.retry.rawValue
            let notBefore = retryAt?.unixMilliseconds
            let finishedAt: Int64? = retryAt == nil ? now.unixMilliseconds : nil
            try await expectHeld(lease, try await client.query(
                """
                WITH held AS (
                    UPDATE jobs SET status = \(status), not_before = COALESCE(\(notBefore), not_before),
                        finished_at = COALESCE(\(finishedAt), finished_at), last_error = \(error), lease_token = NULL
                    WHERE id = \(lease.job.id) AND lease_token = \(lease.token) AND status = 'leased' RETURNING seq
                ), ended AS (
                    UPDATE job_attempts SET ended_at = \(now.unixMilliseconds), outcome = \(outcome), error = \(error)
                    WHERE id = (SELECT MAX(id) FROM job_attempts WHERE job_id = \(lease.job.id) AND attempt = \(lease.attempt) AND outcome = 'running')
                      AND EXISTS (SELECT 1 FROM held)
                )
                SELECT seq FROM held
                """,
                logger: logger
            ))
        }
    }

    public func release(_ lease: JobLease) async throws {
        try await translatingErrors {
            try await expectHeld(lease, try await client.query(
                """
                WITH held AS (
                    UPDATE jobs SET status = 'pending', attempts = GREATEST(attempts - 1, 0), lease_token = NULL
                    WHERE id = \(lease.job.id) AND lease_token = \(lease.token) AND status = 'leased' RETURNING seq
                ), dropped AS (
                    DELETE FROM job_attempts
                    WHERE id = (SELECT MAX(id) FROM job_attempts WHERE job_id = \(lease.job.id) AND attempt = \(lease.attempt) AND outcome = 'running')
                      AND EXISTS (SELECT 1 FROM held)
                )
                SELECT seq FROM held
                """,
                logger: logger
            ))
        }
    }

    /// Runs one operation; a failure of the server or the connection comes out as one
    /// ``PostgresStateStoreError`` line (postgres-nio's own errors are either opaque or a
    /// multi-line dump), a lost lease as itself.
    @discardableResult
    func translatingErrors<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as StateStoreError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw PostgresStateStoreError(configuration: configuration, underlying: error)
        }
    }

    /// An update guarded by the lease changed exactly one row, or the lease was lost.
    private func expectHeld(_ lease: JobLease, _ rows: PostgresRowSequence) async throws {
        guard try await rows.collect().count == 1 else { throw StateStoreError.leaseLost(job: lease.job.id) }
    }

    // MARK: Conversations

    public func conversation(_ key: String) async throws -> ConversationEntry {
        try await translatingErrors {
            let rows = try await client.query("SELECT conversation_id, last_used, generation FROM conversations WHERE key = \(key)", logger: logger)
            for try await (id, lastUsed, generation) in rows.decode((String, Int64, Int).self) {
                return ConversationEntry(stored: id.isEmpty ? nil : StoredConversation(id: id, lastUsed: Date(unixMilliseconds: lastUsed)), generation: generation)
            }
            return ConversationEntry()
        }
    }

    public func saveConversation(_ key: String, id: String, generation: Int, now: Date) async throws -> Bool {
        try await translatingErrors {
            try await client.query(
                """
                INSERT INTO conversations (key, conversation_id, last_used, generation) VALUES (\(key), \(id), \(now.unixMilliseconds), \(generation))
                ON CONFLICT (key) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, last_used = EXCLUDED.last_used
                WHERE conversations.generation = EXCLUDED.generation
                RETURNING key
                """,
                logger: logger
            ).collect().count == 1
        }
    }

    public func resetConversation(_ key: String, now: Date) async throws -> StoredConversation? {
        try await translatingErrors {
            try await client.withTransaction(logger: logger) { connection in
                var old: StoredConversation?
                let rows = try await connection.query("SELECT conversation_id, last_used FROM conversations WHERE key = \(key) FOR UPDATE", logger: logger)
                for try await (id, lastUsed) in rows.decode((String, Int64).self) where !id.isEmpty {
                    old = StoredConversation(id: id, lastUsed: Date(unixMilliseconds: lastUsed))
                }
                try await connection.query(
                    """
                    INSERT INTO conversations (key, conversation_id, last_used, generation) VALUES (\(key), '', \(now.unixMilliseconds), 1)
                    ON CONFLICT (key) DO UPDATE SET conversation_id = '', last_used = EXCLUDED.last_used, generation = conversations.generation + 1
                    """,
                    logger: logger
                )
                return old
            }
        }
    }

    // MARK: Per-reply state

    public func replyState(job: String, key: String) async throws -> Data? {
        try await translatingErrors {
            let rows = try await client.query("SELECT value FROM reply_state WHERE job_id = \(job) AND key = \(key)", logger: logger)
            for try await value in rows.decode(Data.self) {
                return value
            }
            return nil
        }
    }

    public func saveReplyState(job: String, key: String, value: Data) async throws {
        try await translatingErrors {
            try await client.query(
                """
                INSERT INTO reply_state (job_id, key, value) VALUES (\(job), \(key), \(value))
                ON CONFLICT (job_id, key) DO UPDATE SET value = EXCLUDED.value
                """,
                logger: logger
            )
        }
    }

    // MARK: Retention

    public func purge(now: Date, policy: RetentionPolicy) async throws -> PurgeReport {
        try await translatingErrors {
            let cutoff = now.adding(.zero - policy.finishedJobs).unixMilliseconds
            let keys = try await client.query("DELETE FROM dedup WHERE expires_at <= \(now.unixMilliseconds) RETURNING key", logger: logger).collect().count
            let jobs = try await client.query("DELETE FROM jobs WHERE finished_at < \(cutoff) RETURNING seq", logger: logger).collect().count
            try await client.query("DELETE FROM reply_state r WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = r.job_id)", logger: logger)
            try await client.query("DELETE FROM job_attempts a WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = a.job_id)", logger: logger)
            let idleCutoff = now.adding(.zero - policy.idleConversations).unixMilliseconds
            let conversations = try await client.query("DELETE FROM conversations WHERE last_used < \(idleCutoff) RETURNING key", logger: logger).collect().count
            let featureCutoff = now.adding(.zero - RetentionPolicy.conversationFeatureState).unixMilliseconds
            try await client.query("DELETE FROM hits WHERE at < \(featureCutoff)", logger: logger)
            try await client.query("DELETE FROM bursts WHERE at < \(featureCutoff)", logger: logger)
            return PurgeReport(dedupKeys: keys, jobs: jobs, conversations: conversations)
        }
    }
}

/// The PostgreSQL server cannot be used; said in one line without the password.
public struct PostgresStateStoreError: Error, CustomStringConvertible {
    public var configuration: PostgresStoreConfiguration
    public var underlying: any Error

    public var description: String {
        "\(configuration): \(Self.reason(underlying))"
    }

    /// `PSQLError`'s own description hides everything and a `PostgresTransactionError` prints
    /// as a dump over several lines; this is one line with what a person needs.
    static func reason(_ error: any Error) -> String {
        let text: String
        if let error = error as? PostgresTransactionError, let inner = error.beginError ?? error.closureError ?? error.commitError {
            text = reason(inner)
        } else if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                text = message
            } else if let underlying = error.underlying {
                text = "\(underlying)"
            } else {
                text = error.code == .serverClosedConnection || error.code == .connectionError
                    ? "the server is unreachable or closed the connection" : "\(error.code)"
            }
        } else {
            text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
