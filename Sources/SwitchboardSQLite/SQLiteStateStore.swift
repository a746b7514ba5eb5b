public import Foundation
import GRDB
public import SwitchboardCore

/// A ``StateStore`` in one SQLite file: the embedded default, for one Switchboard process.
///
/// WAL journal, `synchronous = FULL` (an acknowledged event survives a power cut, not only a
/// crash), a busy timeout, and versioned migrations. Every operation is one transaction; SQLite
/// runs one writer at a time, which makes each of them atomic.
public final class SQLiteStateStore: StateStore {
    static let busyTimeout: TimeInterval = 5

    let pool: DatabasePool
    public let path: String
    /// New messages are made durable together when they arrive together (group commit).
    private let batcher: EnqueueBatcher

    private init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.path = path
        batcher = EnqueueBatcher { batch in
            do {
                return try await pool.write { db in try batch.map { try Self.insert(db, $0) } }
            } catch let error as DatabaseError {
                throw SQLiteStateStoreError(path: path, reason: Self.describe(error))
            }
        }
    }

    /// Opens (creating the file and its directory if needed) and migrates. Throws
    /// ``SQLiteStateStoreError`` — one line naming the path — when the file cannot be used.
    public static func open(path: String) throws -> SQLiteStateStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SQLiteStateStoreError(path: path, reason: "cannot create its directory \(directory)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteVersion.check(try pool.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "" }, path: path)
            try SQLiteSchema.migrator.migrate(pool)
            try checkWritable(pool)
            return SQLiteStateStore(pool: pool, path: path)
        } catch let error as DatabaseError {
            throw SQLiteStateStoreError(path: path, reason: Self.describe(error))
        }
    }

    /// A state file that can be read but not written (read-only, or in a folder where SQLite
    /// cannot create its journal) would accept nothing: every webhook would answer 503. One real
    /// write at start says so at once instead.
    private static func checkWritable(_ pool: DatabasePool) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO dedup (key, expires_at) VALUES ('switchboard:write-check', 0) ON CONFLICT (key) DO NOTHING")
            try db.execute(sql: "DELETE FROM dedup WHERE key = 'switchboard:write-check'")
        }
    }

    static func describe(_ error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: "it is not a Switchboard state database or it is corrupt; move it away to start with an empty state"
        case .SQLITE_CANTOPEN: "cannot open it (is the path a directory, or its folder not writable?)"
        case .SQLITE_READONLY, .SQLITE_PERM: "it is not writable; check the permissions of the file and of its folder"
        case .SQLITE_FULL: "the disk is full"
        case .SQLITE_BUSY, .SQLITE_LOCKED: "it is locked by another process (is a second Switchboard using the same file?)"
        case .SQLITE_IOERR: "the disk cannot be read or written (I/O error)"
        default: (error.message ?? "SQLite error \(error.resultCode.rawValue)").split(whereSeparator: \.isNewline).joined(separator: " ")
        }
    }

    /// One write transaction. A SQLite failure comes out as one line naming the file (GRDB's own
    /// description carries the statement, over several lines).
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(updates)
        } catch let error as DatabaseError {
            throw SQLiteStateStoreError(path: path, reason: Self.describe(error))
        }
    }

    /// One read, with failures described like ``write(_:)``'s.
    func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(value)
        } catch let error as DatabaseError {
            throw SQLiteStateStoreError(path: path, reason: Self.describe(error))
        }
    }

    // MARK: Dedup

    public func claim(_ key: String, ttl: Duration, now: Date) async throws -> Bool {
        try await write { db in try Self.claim(db, key: key, expiresAt: now.adding(ttl), now: now) }
    }

    /// Records the key unless it is recorded and unexpired; true when recorded.
    private static func claim(_ db: Database, key: String, expiresAt: Date, now: Date) throws -> Bool {
        // Prepared once per connection (GRDB's statement cache): the accept path runs it per message.
        try db.cachedStatement(sql: """
            INSERT INTO dedup (key, expires_at) VALUES (?, ?)
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE dedup.expires_at <= ?
            """).execute(arguments: [key, expiresAt.unixMilliseconds, now.unixMilliseconds])
        return db.changesCount == 1
    }

    // MARK: Jobs

    /// Claims and stores the job in a transaction shared with the enqueues that arrived meanwhile
    /// (``EnqueueBatcher``); returns once it is committed.
    public func enqueue(_ job: Job, dedupTTL: Duration, now: Date) async throws -> Bool {
        try await batcher.enqueue(job, event: try EventJSON.encode(job.event), expiresAt: now.adding(dedupTTL), now: now)
    }

    /// One enqueue inside a batch's transaction: the claim, then the job.
    private static func insert(_ db: Database, _ pending: EnqueueBatcher.Pending) throws -> Bool {
        guard try claim(db, key: pending.job.id, expiresAt: pending.expiresAt, now: pending.now) else { return false }
        try db.cachedStatement(sql: """
            INSERT INTO jobs (id, ordering_key, event, status, enqueued_at, trace_context, bot) VALUES (?, ?, ?, 'pending', ?, ?, ?)
            ON CONFLICT (id) DO NOTHING
            """).execute(
            arguments: [pending.job.id, pending.job.orderingKey, pending.event, pending.now.unixMilliseconds, pending.job.traceContext, pending.job.event.bot]
        )
        return db.changesCount == 1
    }

    public func lease(_ request: LeaseRequest) async throws -> [JobLease] {
        let now = request.now.unixMilliseconds
        let expires = request.now.adding(request.duration)
        let leased = try await write { db -> [LeasedRow] in
            try db.cachedStatement(sql: SQLiteQueries.giveUpAbandoned).execute(arguments: [now, LeaseRequest.abandonedJobError, now, request.maxAttempts])
            let ready = try Int64.fetchAll(db.cachedStatement(sql: SQLiteQueries.readyHeads), arguments: [now, now, now, request.limit])
            return try ready.map { seq in
                try db.cachedStatement(sql: SQLiteQueries.takeLease).execute(arguments: [UUID().uuidString, request.owner, expires.unixMilliseconds, seq])
                try db.cachedStatement(sql: SQLiteQueries.startAttempt).execute(arguments: [request.owner, now, seq])
                let row = try Row.fetchOne(db.cachedStatement(sql: SQLiteQueries.leasedJob), arguments: [seq])!
                return LeasedRow(
                    orderingKey: row["ordering_key"], event: row["event"], traceContext: row["trace_context"], token: row["lease_token"],
                    expiresAt: row["lease_expires"], attempt: row["attempts"]
                )
            }
        }
        return try leased.map { row in
            JobLease(
                job: Job(event: try EventJSON.decode(ChatEvent.self, from: row.event), orderingKey: row.orderingKey, traceContext: row.traceContext),
                token: row.token, expiresAt: Date(unixMilliseconds: row.expiresAt), attempt: row.attempt
            )
        }
    }

    /// A leased job as read inside the transaction.
    private struct LeasedRow: Sendable {
        var orderingKey: String
        var event: Data
        var traceContext: String?
        var token: String
        var expiresAt: Int64
        var attempt: Int
    }

    public func queueStats() async throws -> QueueStats {
        try await read { db in
            let row = try Row.fetchOne(db, sql: SQLiteQueries.queueStats)!
            let oldest: Int64? = row[2]
            return QueueStats(pending: row[0], leased: row[1], oldestPendingSince: oldest.map(Date.init(unixMilliseconds:)))
        }
    }

    public func renew(_ lease: JobLease, for duration: Duration, now: Date) async throws -> JobLease {
        var renewed = lease
        renewed.expiresAt = now.adding(duration)
        try await updateHeld(lease, sql: "UPDATE jobs SET lease_expires = ?", arguments: [renewed.expiresAt.unixMilliseconds], attempt: .keep)
        return renewed
    }

    public func complete(_ lease: JobLease, now: Date) async throws {
        try await updateHeld(
            lease, sql: "UPDATE jobs SET status = 'done', finished_at = ?, lease_token = NULL", arguments: [now.unixMilliseconds],
            attempt: .end(.done, error: nil, now: now)
        )
    }

    public func fail(_ lease: JobLease, error: String, retryAt: Date?, now: Date) async throws {
        if let retryAt {
            try await updateHeld(
                lease, sql: "UPDATE jobs SET status = 'pending', not_before = ?, last_error = ?, lease_token = NULL",
                arguments: [retryAt.unixMilliseconds, error], attempt: .end(.retry, error: error, now: now)
            )
        } else {
            try await updateHeld(
                lease, sql: "UPDATE jobs SET status = 'failed', finished_at = ?, last_error = ?, lease_token = NULL",
                arguments: [now.unixMilliseconds, error], attempt: .end(.failed, error: error, now: now)
            )
        }
    }

    public func release(_ lease: JobLease) async throws {
        try await updateHeld(
            lease, sql: "UPDATE jobs SET status = 'pending', attempts = MAX(attempts - 1, 0), lease_token = NULL", arguments: [], attempt: .drop
        )
    }

    /// What an update under a lease does to the attempt in the job's history.
    private enum AttemptChange {
        case keep
        case end(JobAttempt.Outcome, error: String?, now: Date)
        /// Given back uncounted: not kept.
        case drop
    }

    /// Runs `sql … WHERE <the lease is held>` and changes the attempt in the history, in one
    /// transaction; throws `leaseLost` when the lease is not held.
    private func updateHeld(_ lease: JobLease, sql: String, arguments: StatementArguments, attempt: AttemptChange) async throws {
        let changed = try await write { db in
            // A handful of fixed statements (renew, complete, fail, release): cached per connection.
            try db.cachedStatement(sql: sql + " WHERE id = ? AND lease_token = ? AND status = 'leased'").execute(arguments: arguments + [lease.job.id, lease.token])
            guard db.changesCount == 1 else { return 0 }
            switch attempt {
            case .keep:
                break
            case .end(let outcome, let error, let now):
                try db.cachedStatement(sql: SQLiteQueries.endAttempt).execute(arguments: [now.unixMilliseconds, outcome.rawValue, error, lease.job.id, lease.attempt])
            case .drop:
                try db.cachedStatement(sql: SQLiteQueries.dropAttempt).execute(arguments: [lease.job.id, lease.attempt])
            }
            return 1
        }
        guard changed == 1 else { throw StateStoreError.leaseLost(job: lease.job.id) }
    }

    // MARK: Operators

    public func jobs(_ query: JobQuery) async throws -> [JobRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let bot = query.bot {
            conditions.append("bot = ?")
            _ = arguments.append(contentsOf: [bot])
        }
        if let since = query.since {
            conditions.append("enqueued_at >= ?")
            _ = arguments.append(contentsOf: [since.unixMilliseconds])
        }
        if let until = query.until {
            conditions.append("enqueued_at < ?")
            _ = arguments.append(contentsOf: [until.unixMilliseconds])
        }
        if let status = query.status { conditions.append(SQLiteQueries.statusCondition(status)) }
        _ = arguments.append(contentsOf: [max(0, query.limit)])
        let sql = SQLiteQueries.jobRecord + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY seq DESC LIMIT ?"
        let bound = arguments
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: bound).map { try Self.record($0, history: []) }
        }
    }

    public func job(id: String) async throws -> JobRecord? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: SQLiteQueries.jobRecord + " WHERE id = ?", arguments: [id]) else { return nil }
            let history = try Row.fetchAll(db, sql: SQLiteQueries.history, arguments: [id]).map { row in
                JobAttempt(
                    attempt: row["attempt"], owner: row["owner"], startedAt: Date(unixMilliseconds: row["started_at"]),
                    endedAt: (row["ended_at"] as Int64?).map(Date.init(unixMilliseconds:)),
                    outcome: JobAttempt.Outcome(rawValue: row["outcome"]) ?? .running, error: row["error"]
                )
            }
            return try Self.record(row, history: history)
        }
    }

    public func replyStates(job: String) async throws -> [String: Data] {
        try await read { db in
            var states: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM reply_state WHERE job_id = ?", arguments: [job]) {
                states[row["key"]] = row["value"]
            }
            return states
        }
    }

    public func retryJob(id: String, now: Date) async throws -> JobActionResult {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT status, discarded_at FROM jobs WHERE id = ?", arguments: [id]) else { return .notFound }
            let status = Self.status(row["status"], discarded: (row["discarded_at"] as Int64?) != nil)
            guard status == .failed || status == .discarded else { return .notAllowed(status) }
            try db.execute(sql: SQLiteQueries.requeue, arguments: [id])
            try db.execute(sql: SQLiteQueries.operatorAction, arguments: [id, now.unixMilliseconds, now.unixMilliseconds, JobAttempt.Outcome.requeued.rawValue])
            return .done
        }
    }

    public func discardJob(id: String, now: Date) async throws -> JobActionResult {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT status, discarded_at FROM jobs WHERE id = ?", arguments: [id]) else { return .notFound }
            let status = Self.status(row["status"], discarded: (row["discarded_at"] as Int64?) != nil)
            guard status == .failed else { return .notAllowed(status) }
            try db.execute(sql: "UPDATE jobs SET discarded_at = ? WHERE id = ?", arguments: [now.unixMilliseconds, id])
            try db.execute(sql: SQLiteQueries.operatorAction, arguments: [id, now.unixMilliseconds, now.unixMilliseconds, JobAttempt.Outcome.discarded.rawValue])
            return .done
        }
    }

    private static func status(_ text: String, discarded: Bool) -> JobStatus {
        let status = JobStatus(rawValue: text) ?? .failed
        return status == .failed && discarded ? .discarded : status
    }

    /// A row of ``SQLiteQueries/jobRecord``.
    private static func record(_ row: Row, history: [JobAttempt]) throws -> JobRecord {
        let status = status(row["status"], discarded: (row["discarded_at"] as Int64?) != nil)
        let event: Data = row["event"]
        return JobRecord(
            job: Job(event: try EventJSON.decode(ChatEvent.self, from: event), orderingKey: row["ordering_key"], traceContext: row["trace_context"]),
            status: status, attempts: row["attempts"], lastError: row["last_error"],
            enqueuedAt: Date(unixMilliseconds: row["enqueued_at"]),
            finishedAt: ((row["discarded_at"] as Int64?) ?? (row["finished_at"] as Int64?)).map(Date.init(unixMilliseconds:)),
            notBefore: status == .pending ? (row["not_before"] as Int64?).map(Date.init(unixMilliseconds:)) : nil,
            leaseOwner: status == .leased ? row["lease_owner"] : nil,
            leaseExpires: status == .leased ? (row["lease_expires"] as Int64?).map(Date.init(unixMilliseconds:)) : nil,
            history: history
        )
    }

    // MARK: Per-reply state

    public func replyState(job: String, key: String) async throws -> Data? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM reply_state WHERE job_id = ? AND key = ?", arguments: [job, key])
        }
    }

    public func saveReplyState(job: String, key: String, value: Data) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: "INSERT INTO reply_state (job_id, key, value) VALUES (?, ?, ?) ON CONFLICT (job_id, key) DO UPDATE SET value = excluded.value"
            ).execute(arguments: [job, key, value])
        }
    }

    // MARK: Retention

    public func purge(now: Date, policy: RetentionPolicy) async throws -> PurgeReport {
        let cutoff = now.adding(.zero - policy.finishedJobs).unixMilliseconds
        return try await write { db in
            try db.execute(sql: "DELETE FROM dedup WHERE expires_at <= ?", arguments: [now.unixMilliseconds])
            let keys = db.changesCount
            try db.execute(sql: "DELETE FROM jobs WHERE finished_at < ?", arguments: [cutoff])
            let jobs = db.changesCount
            try db.execute(sql: "DELETE FROM reply_state WHERE job_id NOT IN (SELECT id FROM jobs)")
            try db.execute(sql: "DELETE FROM job_attempts WHERE job_id NOT IN (SELECT id FROM jobs)")
            try db.execute(sql: "DELETE FROM conversations WHERE last_used < ?", arguments: [now.adding(.zero - policy.idleConversations).unixMilliseconds])
            let conversations = db.changesCount
            let featureCutoff = now.adding(.zero - RetentionPolicy.conversationFeatureState).unixMilliseconds
            try db.execute(sql: "DELETE FROM hits WHERE at < ?", arguments: [featureCutoff])
            try db.execute(sql: "DELETE FROM bursts WHERE at < ?", arguments: [featureCutoff])
            return PurgeReport(dedupKeys: keys, jobs: jobs, conversations: conversations)
        }
    }
}

/// The state file cannot be used; said in one line that names it.
public struct SQLiteStateStoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "state file \(path): \(reason)" }
}
