public import Foundation
import Synchronization

/// Group commit for new messages (issue 18), for a ``StateStore`` to use in its `enqueue`:
/// enqueues that arrive while a write is being made durable wait for it and then go together, in
/// one transaction (one fsync, one round trip) instead of one each. No wait is added: a lone enqueue starts
/// its transaction at once; a batch forms only from those that queue behind one. Each caller is
/// answered only after the transaction holding its job has committed, so nothing is acked before
/// it is durable; a failed transaction fails every enqueue in it (each webhook answers 503 and
/// its platform redelivers). A batch holds at most ``maxBatch`` jobs.
public final class EnqueueBatcher: Sendable {
    /// One enqueue waiting for its batch: the job, its event as stored, when its dedup claim
    /// expires, and the time of the call.
    public struct Pending: Sendable {
        public var job: Job
        public var event: Data
        public var expiresAt: Date
        public var now: Date
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var flushing = false
    }

    public static let maxBatch = 256

    private let state = Mutex(State())
    private let commit: @Sendable ([Pending]) async throws -> [Bool]

    /// `commit` writes a batch in one transaction and returns, in order, whether each job was
    /// stored (false: its key was claimed already — also by an earlier job of the same batch).
    public init(commit: @escaping @Sendable ([Pending]) async throws -> [Bool]) {
        self.commit = commit
    }

    /// Queues the job for the next batch; returns once that batch committed (or throws its error).
    public func enqueue(_ job: Job, event: Data, expiresAt: Date, now: Date) async throws -> Bool {
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
