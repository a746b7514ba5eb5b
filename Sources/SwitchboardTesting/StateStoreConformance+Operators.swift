import Foundation
import SwitchboardCore

extension StateStoreConformance {
    /// What an operator's console reads and does: list, show with history, retry, discard.
    static let operatorChecks: [Check] = [
        Check(name: "a job's history records each attempt with its outcome and error") { store in
            try await enqueue(store, ["a1"], key: "A")
            let first = try await leaseJobs(store, at: t0, owner: "replica-a")
            try await store.fail(first[0], error: "boom", retryAt: t0.addingTimeInterval(10), now: t0.addingTimeInterval(1))
            let second = try await leaseJobs(store, at: t0.addingTimeInterval(10), owner: "replica-b")
            try await store.complete(second[0], now: t0.addingTimeInterval(12))
            let record = try await store.job(id: "a1")
            try expectEqual(record?.status, .done, "status")
            try expectEqual(record?.attempts, 2, "attempts")
            try expectEqual(record?.finishedAt, t0.addingTimeInterval(12), "finished at")
            try expectEqual(record?.job, job("a1", key: "A"), "the job")
            try expectEqual(record?.history, [
                JobAttempt(attempt: 1, owner: "replica-a", startedAt: t0, endedAt: t0.addingTimeInterval(1), outcome: .retry, error: "boom"),
                JobAttempt(attempt: 2, owner: "replica-b", startedAt: t0.addingTimeInterval(10), endedAt: t0.addingTimeInterval(12), outcome: .done),
            ], "history")
            try expect(try await store.job(id: "nope") == nil, "an unknown job is nil")
        },
        Check(name: "a released attempt is not kept; a running one shows its lease") { store in
            try await enqueue(store, ["a1"], key: "A")
            let held = try await leaseJobs(store, at: t0)
            try await store.release(held[0])
            let again = try await leaseJobs(store, at: t0.addingTimeInterval(1), owner: "replica-b")
            let record = try await store.job(id: "a1")
            try expectEqual(record?.status, .leased, "status")
            try expectEqual(record?.leaseOwner, "replica-b", "lease owner")
            try expectEqual(record?.leaseExpires, again[0].expiresAt, "lease expiry")
            try expectEqual(record?.history.map(\.outcome), [.running], "history")
        },
        Check(name: "jobs are listed newest first, filtered by status, bot and time") { store in
            for (index, id) in ["j1", "j2", "j3"].enumerated() {
                try await enqueue(store, [id], key: "k\(index)", at: t0.addingTimeInterval(Double(index)))
            }
            var other = job("x1", key: "kx")
            other.event.bot = "other-bot"
            other.id = "x1"
            try expect(try await store.enqueue(other, dedupTTL: ttl, now: t0.addingTimeInterval(3)), "enqueue x1")
            let held = try await leaseJobs(store, at: t0.addingTimeInterval(4), limit: 1)
            try await store.fail(held[0], error: "gave up", retryAt: nil, now: t0.addingTimeInterval(5))
            try expectEqual(try await store.jobs(JobQuery()).map(\.job.id), ["x1", "j3", "j2", "j1"], "all, newest first")
            try expectEqual(try await store.jobs(JobQuery(limit: 2)).map(\.job.id), ["x1", "j3"], "limited")
            try expectEqual(try await store.jobs(JobQuery(status: .failed)).map(\.job.id), ["j1"], "failed")
            try expectEqual(try await store.jobs(JobQuery(status: .pending)).map(\.job.id), ["x1", "j3", "j2"], "pending")
            try expectEqual(try await store.jobs(JobQuery(bot: "other-bot")).map(\.job.id), ["x1"], "by bot")
            try expectEqual(
                try await store.jobs(JobQuery(since: t0.addingTimeInterval(1), until: t0.addingTimeInterval(3))).map(\.job.id), ["j3", "j2"], "by time"
            )
            let failed = try await store.jobs(JobQuery(status: .failed)).first
            try expectEqual(failed?.lastError, "gave up", "last error")
            try expectEqual(failed?.history, [], "lists carry no history")
        },
        Check(name: "a failed job retried runs again with its attempts reset; discard sets one aside") { store in
            try await enqueue(store, ["a1"], key: "A")
            let held = try await leaseJobs(store, at: t0, maxAttempts: 1)
            try await store.fail(held[0], error: "gave up", retryAt: nil, now: t0.addingTimeInterval(1))
            try expectEqual(try await store.retryJob(id: "nope", now: t0), .notFound, "unknown job")
            try expectEqual(try await store.discardJob(id: "a1", now: t0.addingTimeInterval(2)), .done, "discard")
            try expectEqual(try await store.job(id: "a1")?.status, .discarded, "discarded")
            try expectEqual(try await store.jobs(JobQuery(status: .failed)).count, 0, "a discarded job is not listed as failed")
            try expectEqual(try await store.discardJob(id: "a1", now: t0), .notAllowed(.discarded), "discard twice")
            try expectEqual(try await store.retryJob(id: "a1", now: t0.addingTimeInterval(3)), .done, "retry")
            let record = try await store.job(id: "a1")
            try expectEqual(record?.status, .pending, "pending again")
            try expectEqual(record?.attempts, 0, "attempts reset")
            try expectEqual(record?.history.map(\.outcome), [.failed, .discarded, .requeued], "history")
            try expectEqual(try await store.retryJob(id: "a1", now: t0), .notAllowed(.pending), "retry of a pending job")
            // The same job (same id: the same idempotency key and reply state) runs again.
            let again = try await leaseJobs(store, at: t0.addingTimeInterval(4), maxAttempts: 1)
            try expectEqual(again.map(\.job.id), ["a1"], "leased again")
            try expectEqual(again.first?.attempt, 1, "first attempt again")
            try await store.complete(again[0], now: t0.addingTimeInterval(5))
            try expectEqual(try await store.retryJob(id: "a1", now: t0), .notAllowed(.done), "retry of a done job")
        },
        Check(name: "a retried job waits for its key's running job and then goes before later ones") { store in
            try await enqueue(store, ["a1"], key: "A")
            let first = try await leaseJobs(store, at: t0, maxAttempts: 1)
            try await store.fail(first[0], error: "gave up", retryAt: nil, now: t0)
            try await enqueue(store, ["a2", "a3"], key: "A", at: t0.addingTimeInterval(1))
            let running = try await leaseJobs(store, at: t0.addingTimeInterval(2))
            try expectEqual(running.map(\.job.id), ["a2"], "a2 runs")
            try expectEqual(try await store.retryJob(id: "a1", now: t0.addingTimeInterval(3)), .done, "retry a1")
            try expectEqual(try await leaseJobs(store, at: t0.addingTimeInterval(3)).map(\.job.id), [], "nothing of A while a2 runs")
            try await store.complete(running[0], now: t0.addingTimeInterval(4))
            try expectEqual(try await leaseJobs(store, at: t0.addingTimeInterval(4)).map(\.job.id), ["a1"], "then a1, before a3")
        },
    ]
}
