import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// New messages in batches (issue 18): the enqueues that arrive while one batch is on its way go
/// together in the next, as one statement — the dedup claims and the jobs of the whole batch, one
/// round trip and one commit (``EnqueueBatcher``).
extension PostgresStateStore {
    /// Stores a batch; whether each job was stored, in order. A key that appears twice in the
    /// batch is stored once, for its first job (`ON CONFLICT DO UPDATE` may not touch one row twice
    /// in a statement, so the later ones never reach the server).
    static func commit(
        _ batch: [EnqueueBatcher.Pending], client: PostgresClient, configuration: PostgresStoreConfiguration, logger: Logger
    ) async throws -> [Bool] {
        var seen: Set<String> = []
        let unique = batch.filter { seen.insert($0.job.id).inserted }
        let stored: [String]
        do {
            stored = try await client.query(enqueueQuery(unique), logger: logger).collect().map { try $0.decode(String.self) }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw PostgresStateStoreError(configuration: configuration, underlying: error)
        }
        let storedIDs = Set(stored)
        var answered: Set<String> = []
        return batch.map { pending in storedIDs.contains(pending.job.id) && answered.insert(pending.job.id).inserted }
    }

    /// One statement: the batch as a `VALUES` list, the claims (an unexpired key is left alone,
    /// each compared with its own call's time), then the jobs whose key was claimed, in order.
    static func enqueueQuery(_ batch: [EnqueueBatcher.Pending]) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: batch.count * 8)
        var rows: [String] = []
        rows.reserveCapacity(batch.count)
        for (index, pending) in batch.enumerated() {
            let first = index * 8 + 1
            rows.append("($\(first)::bigint, $\(first + 1)::text, $\(first + 2)::bigint, $\(first + 3)::bigint, $\(first + 4)::text, $\(first + 5)::text, $\(first + 6)::text, $\(first + 7)::text)")
            binds.append(Int64(index))
            binds.append(pending.job.id)
            binds.append(pending.expiresAt.unixMilliseconds)
            binds.append(pending.now.unixMilliseconds)
            binds.append(pending.job.orderingKey)
            binds.append(String(decoding: pending.event, as: UTF8.self))
            binds.append(pending.job.traceContext)
            binds.append(pending.job.event.bot)
        }
        let sql = """
            WITH input (idx, key, expires, now_ms, ordering_key, event, trace, bot) AS (VALUES \(rows.joined(separator: ", "))),
            claimed AS (
                INSERT INTO dedup (key, expires_at) SELECT key, expires FROM input ORDER BY idx
                ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at
                    WHERE dedup.expires_at <= (SELECT now_ms FROM input WHERE input.key = EXCLUDED.key)
                RETURNING key
            )
            INSERT INTO jobs (id, ordering_key, event, status, enqueued_at, trace_context, bot)
            SELECT i.key, i.ordering_key, i.event, 'pending', i.now_ms, i.trace, i.bot FROM input i JOIN claimed c ON c.key = i.key ORDER BY i.idx
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
