import Foundation
import GRDB
import SwitchboardCore
import Synchronization

/// Group commit for new messages (issue 18): enqueues that arrive while a write transaction is
/// being made durable wait for it and then go together, in one transaction — one fsync for the
/// lot under `synchronous = FULL` — instead of one each. No wait is added: a lone enqueue starts
/// its transaction at once; a batch forms only from those that queue behind one. Each caller is
/// answered only after the transaction holding its job has committed, so nothing is acked before
/// it is durable; a failed transaction fails every enqueue in it (each webhook answers 503 and
/// its platform redelivers). A batch holds at most ``maxBatch`` jobs.
final class SQLiteEnqueueBatcher: Sendable {
    struct Pending: Sendable {
        var job: Job
        var event: Data
        var expiresAt: Date
        var now: Date
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var flushing = false
    }

    static let maxBatch = 256

    private let state = Mutex(State())
    private let commit: @Sendable ([Pending]) async throws -> [Bool]

    /// `commit` writes a batch in one transaction; the claims' results, in order.
    init(commit: @escaping @Sendable ([Pending]) async throws -> [Bool]) {
        self.commit = commit
    }

    func enqueue(_ job: Job, event: Data, expiresAt: Date, now: Date) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let lead = state.withLock { state -> Bool in
                state.pending.append(Pending(job: job, event: event, expiresAt: expiresAt, now: now, continuation: continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if lead { Task { await self.flush() } }
        }
    }

    /// Commits what is pending, batch after batch, until nothing is.
    private func flush() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let batch = Array(state.pending.prefix(Self.maxBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await commit(batch)
                for (pending, fresh) in zip(batch, results) { pending.continuation.resume(returning: fresh) }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
