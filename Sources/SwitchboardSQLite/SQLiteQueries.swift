import SwitchboardCore

/// The leasing statements, kept together because they only work as a set.
enum SQLiteQueries {
    /// Finishes as failed every job whose lease expired on its last allowed attempt: its holders
    /// keep dying on it. Arguments: now, error, now, max attempts.
    static let giveUpAbandoned = """
        UPDATE jobs SET status = 'failed', finished_at = ?, last_error = ?, lease_token = NULL
        WHERE status = 'leased' AND lease_expires <= ? AND attempts >= ?
        """

    /// The jobs that may be leased now, oldest first: pending and due, or leased with the lease
    /// expired — and the head of their ordering key: no earlier unfinished job of the key, and no
    /// other job of the key under a live lease. Arguments: now, now, now, limit.
    static let readyHeads = """
        SELECT j.seq FROM jobs j
        WHERE j.status IN ('pending', 'leased')
          AND ((j.status = 'pending' AND (j.not_before IS NULL OR j.not_before <= ?))
               OR (j.status = 'leased' AND j.lease_expires <= ?))
          AND NOT EXISTS (
              SELECT 1 FROM jobs e
              WHERE e.ordering_key = j.ordering_key AND e.seq <> j.seq AND e.status IN ('pending', 'leased')
                AND (e.seq < j.seq OR (e.status = 'leased' AND e.lease_expires > ?)))
        ORDER BY j.seq
        LIMIT ?
        """

    /// Leases one job, counting the attempt. Arguments: token, owner, lease expiry, seq. (Read
    /// back with ``leasedJob`` in the same transaction: `UPDATE … RETURNING` needs SQLite 3.35.)
    static let takeLease = """
        UPDATE jobs SET status = 'leased', attempts = attempts + 1, lease_token = ?, lease_owner = ?, lease_expires = ?
        WHERE seq = ?
        """

    /// The job just leased. Argument: seq.
    static let leasedJob = "SELECT ordering_key, event, trace_context, lease_token, lease_expires, attempts FROM jobs WHERE seq = ?"

    /// Opens the attempt the lease just counted. Arguments: owner, now, seq.
    static let startAttempt = """
        INSERT INTO job_attempts (job_id, attempt, owner, started_at, outcome)
        SELECT id, attempts, ?, ?, 'running' FROM jobs WHERE seq = ?
        """

    /// Ends a job's running attempt. Arguments: now, outcome, error, job id, attempt.
    static let endAttempt = """
        UPDATE job_attempts SET ended_at = ?, outcome = ?, error = ?
        WHERE id = (SELECT MAX(id) FROM job_attempts WHERE job_id = ? AND attempt = ? AND outcome = 'running')
        """

    /// Forgets a running attempt that was given back uncounted. Arguments: job id, attempt.
    static let dropAttempt = """
        DELETE FROM job_attempts
        WHERE id = (SELECT MAX(id) FROM job_attempts WHERE job_id = ? AND attempt = ? AND outcome = 'running')
        """

    /// An operator's action in a job's history. Arguments: job id, now, now, outcome.
    static let operatorAction = "INSERT INTO job_attempts (job_id, attempt, started_at, ended_at, outcome) VALUES (?, 0, ?, ?, ?)"

    /// A failed or discarded job pending again, attempts reset. Argument: job id.
    static let requeue = """
        UPDATE jobs SET status = 'pending', attempts = 0, not_before = NULL, finished_at = NULL, discarded_at = NULL, lease_token = NULL
        WHERE id = ?
        """

    /// What an operator sees of a job (add WHERE …).
    static let jobRecord = """
        SELECT id, ordering_key, event, trace_context, status, attempts, last_error, enqueued_at, finished_at, not_before,
               lease_owner, lease_expires, discarded_at
        FROM jobs
        """

    /// A job's attempts, oldest first. Argument: job id.
    static let history = "SELECT attempt, owner, started_at, ended_at, outcome, error FROM job_attempts WHERE job_id = ? ORDER BY id"

    static func statusCondition(_ status: JobStatus) -> String {
        switch status {
        case .pending: "status = 'pending'"
        case .leased: "status = 'leased'"
        case .done: "status = 'done'"
        case .failed: "status = 'failed' AND discarded_at IS NULL"
        case .discarded: "status = 'failed' AND discarded_at IS NOT NULL"
        }
    }

    /// The queue gauges, from the `jobs_queue` index: pending count, leased count, when the oldest
    /// pending job was enqueued.
    static let queueStats = """
        SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'pending'),
               (SELECT COUNT(*) FROM jobs WHERE status = 'leased'),
               (SELECT enqueued_at FROM jobs WHERE status = 'pending' ORDER BY seq LIMIT 1)
        """

    /// Stores a scope's conversation id unless the scope was reset since `generation` was read.
    /// Arguments: key, id, now, generation.
    static let saveConversation = """
        INSERT INTO conversations (key, conversation_id, last_used, generation) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET conversation_id = excluded.conversation_id, last_used = excluded.last_used
        WHERE conversations.generation = excluded.generation
        """

    /// Forgets a scope's conversation and advances its generation. Arguments: key, now.
    static let resetConversation = """
        INSERT INTO conversations (key, conversation_id, last_used, generation) VALUES (?, '', ?, 1)
        ON CONFLICT (key) DO UPDATE SET conversation_id = '', last_used = excluded.last_used, generation = conversations.generation + 1
        """
}
