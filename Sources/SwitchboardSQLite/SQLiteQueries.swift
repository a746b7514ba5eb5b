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
