public import Foundation
import PostgresNIO
public import SwitchboardCore

/// What an operator's console reads and does (``StateStore/jobs(_:)`` and the rest): kept apart
/// from the engine's operations.
extension PostgresStateStore {
    public func jobs(_ query: JobQuery) async throws -> [JobRecord] {
        try await translatingErrors {
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.recordColumns) FROM jobs
                WHERE (\(query.bot)::text IS NULL OR bot = \(query.bot))
                  AND (\(query.since?.unixMilliseconds)::bigint IS NULL OR enqueued_at >= \(query.since?.unixMilliseconds))
                  AND (\(query.until?.unixMilliseconds)::bigint IS NULL OR enqueued_at < \(query.until?.unixMilliseconds))
                  AND \(unescaped: query.status.map(Self.statusCondition) ?? "TRUE")
                ORDER BY seq DESC LIMIT \(max(0, query.limit))
                """,
                logger: logger
            )
            var records: [JobRecord] = []
            for try await row in rows.decode(RecordRow.self) { records.append(try Self.record(row, history: [])) }
            return records
        }
    }

    public func job(id: String) async throws -> JobRecord? {
        try await translatingErrors {
            let rows = try await client.query("SELECT \(unescaped: Self.recordColumns) FROM jobs WHERE id = \(id)", logger: logger)
            var found: RecordRow?
            for try await row in rows.decode(RecordRow.self) { found = row }
            guard let found else { return nil }
            let attempts = try await client.query(
                "SELECT attempt, owner, started_at, ended_at, outcome, error FROM job_attempts WHERE job_id = \(id) ORDER BY id", logger: logger
            )
            var history: [JobAttempt] = []
            for try await (attempt, owner, started, ended, outcome, error) in attempts.decode((Int, String?, Int64, Int64?, String, String?).self) {
                history.append(JobAttempt(
                    attempt: attempt, owner: owner, startedAt: Date(unixMilliseconds: started), endedAt: ended.map(Date.init(unixMilliseconds:)),
                    outcome: JobAttempt.Outcome(rawValue: outcome) ?? .running, error: error
                ))
            }
            return try Self.record(found, history: history)
        }
    }

    public func replyStates(job: String) async throws -> [String: Data] {
        try await translatingErrors {
            let rows = try await client.query("SELECT key, value FROM reply_state WHERE job_id = \(job)", logger: logger)
            var states: [String: Data] = [:]
            for try await (key, value) in rows.decode((String, ByteBuffer).self) { states[key] = Data(buffer: value) }
            return states
        }
    }

    public func retryJob(id: String, now: Date) async throws -> JobActionResult {
        try await operatorAction(id: id, allowed: [.failed, .discarded], now: now, outcome: .requeued) { [logger] connection in
            try await connection.query(
                """
                UPDATE jobs SET status = 'pending', attempts = 0, not_before = NULL, finished_at = NULL, discarded_at = NULL, lease_token = NULL
                WHERE id = \(id)
                """,
                logger: logger
            )
        }
    }

    public func discardJob(id: String, now: Date) async throws -> JobActionResult {
        try await operatorAction(id: id, allowed: [.failed], now: now, outcome: .discarded) { [logger] connection in
            try await connection.query("UPDATE jobs SET discarded_at = \(now.unixMilliseconds) WHERE id = \(id)", logger: logger)
        }
    }

    /// Checks the job's status under a row lock, applies `change` and records the action in the
    /// job's history, in one transaction.
    private func operatorAction(
        id: String, allowed: Set<JobStatus>, now: Date, outcome: JobAttempt.Outcome,
        _ change: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws -> JobActionResult {
        try await translatingErrors {
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query("SELECT status, discarded_at FROM jobs WHERE id = \(id) FOR UPDATE", logger: logger)
                var current: JobStatus?
                for try await (status, discarded) in rows.decode((String, Int64?).self) {
                    current = Self.status(status, discarded: discarded != nil)
                }
                guard let current else { return .notFound }
                guard allowed.contains(current) else { return .notAllowed(current) }
                try await change(connection)
                let stamp = now.unixMilliseconds
                try await connection.query(
                    "INSERT INTO job_attempts (job_id, attempt, started_at, ended_at, outcome) VALUES (\(id), 0, \(stamp), \(stamp), \(outcome.rawValue))",
                    logger: logger
                )
                return .done
            }
        }
    }

    private static let recordColumns = """
        id, ordering_key, event, trace_context, status, attempts, last_error, enqueued_at, finished_at, not_before, \
        lease_owner, lease_expires, discarded_at
        """

    private typealias RecordRow = (
        String, String, String, String?, String, Int, String?, Int64, Int64?, Int64?, String?, Int64?, Int64?
    )

    private static func record(_ row: RecordRow, history: [JobAttempt]) throws -> JobRecord {
        let (_, orderingKey, event, traceContext, statusText, attempts, lastError, enqueued, finished, notBefore, owner, expires, discarded) = row
        let status = status(statusText, discarded: discarded != nil)
        return JobRecord(
            job: Job(event: try EventJSON.decode(ChatEvent.self, from: Data(event.utf8)), orderingKey: orderingKey, traceContext: traceContext),
            status: status, attempts: attempts, lastError: lastError, enqueuedAt: Date(unixMilliseconds: enqueued),
            finishedAt: (discarded ?? finished).map(Date.init(unixMilliseconds:)),
            notBefore: status == .pending ? notBefore.map(Date.init(unixMilliseconds:)) : nil,
            leaseOwner: status == .leased ? owner : nil,
            leaseExpires: status == .leased ? expires.map(Date.init(unixMilliseconds:)) : nil,
            history: history
        )
    }

    private static func status(_ text: String, discarded: Bool) -> JobStatus {
        let status = JobStatus(rawValue: text) ?? .failed
        return status == .failed && discarded ? .discarded : status
    }

    private static func statusCondition(_ status: JobStatus) -> String {
        switch status {
        case .pending: "status = 'pending'"
        case .leased: "status = 'leased'"
        case .done: "status = 'done'"
        case .failed: "status = 'failed' AND discarded_at IS NULL"
        case .discarded: "status = 'failed' AND discarded_at IS NOT NULL"
        }
    }
}
