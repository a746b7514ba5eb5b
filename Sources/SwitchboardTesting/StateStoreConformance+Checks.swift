import Foundation
import SwitchboardCore

extension StateStoreConformance {
    static let leaseChecks: [Check] = [
        Check(name: "a lease is held by one owner until it expires; the holder renews it; a release frees it") { store in
            try expect(try await store.holdLease("bot:x", owner: "a", ttl: .seconds(30), now: t0), "a free lease refused")
            try expect(!(try await store.holdLease("bot:x", owner: "b", ttl: .seconds(30), now: t0.addingTimeInterval(10))), "another owner took a running lease")
            try expect(try await store.holdLease("bot:x", owner: "a", ttl: .seconds(30), now: t0.addingTimeInterval(20)), "the holder could not renew")
            try expect(!(try await store.holdLease("bot:x", owner: "b", ttl: .seconds(30), now: t0.addingTimeInterval(40))), "the renewal did not extend the lease")
            try expect(try await store.holdLease("bot:x", owner: "b", ttl: .seconds(30), now: t0.addingTimeInterval(51)), "an expired lease was not taken over")
            try expect(try await store.holdLease("bot:y", owner: "a", ttl: .seconds(30), now: t0.addingTimeInterval(51)), "leases of other names interfere")
            try await store.releaseLease("bot:x", owner: "a")
            try expect(!(try await store.holdLease("bot:x", owner: "a", ttl: .seconds(30), now: t0.addingTimeInterval(52))), "a release by a non-holder freed the lease")
            try await store.releaseLease("bot:x", owner: "b")
            try expect(try await store.holdLease("bot:x", owner: "a", ttl: .seconds(30), now: t0.addingTimeInterval(53)), "a released lease stayed taken")
        },
        Check(name: "concurrent takers of one free lease: exactly one holds it") { store in
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 { group.addTask { try await store.holdLease("bot:race", owner: "r\(index)", ttl: ttl, now: t0) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try expectEqual(wins, 1, "owners holding the lease")
        },
    ]

    static let dedupChecks: [Check] = [
        Check(name: "claim dedups until the TTL passes") { store in
            try expect(try await store.claim("a", ttl: .seconds(60), now: t0), "first claim refused")
            try expect(!(try await store.claim("a", ttl: .seconds(60), now: t0.addingTimeInterval(59))), "second claim within the TTL accepted")
            try expect(try await store.claim("a", ttl: .seconds(60), now: t0.addingTimeInterval(61)), "claim after the TTL refused")
        },
        Check(name: "concurrent claims of one key: exactly one wins") { store in
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 { group.addTask { try await store.claim("same", ttl: ttl, now: t0) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try expectEqual(wins, 1, "claims that won")
        },
        Check(name: "concurrent enqueues of one event: stored once") { store in
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 { group.addTask { try await store.enqueue(job("same"), dedupTTL: ttl, now: t0) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try expectEqual(wins, 1, "enqueues that stored the job")
            try expectEqual(try await leaseJobs(store, at: t0).count, 1, "jobs leasable")
        },
        Check(name: "a burst of concurrent enqueues, each event twice: every event stored once, none lost") { store in
            let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for index in 0..<300 {
                    let id = "burst-\(index % 150)"
                    group.addTask { (id, try await store.enqueue(job(id, key: "k\(index % 150)"), dedupTTL: ttl, now: t0)) }
                }
                return try await group.reduce(into: [String: Int]()) { wins, result in wins[result.0, default: 0] += result.1 ? 1 : 0 }
            }
            try expectEqual(results.count, 150, "events answered")
            try expect(results.values.allSatisfy { $0 == 1 }, "an event stored other than once: \(results.filter { $0.value != 1 })")
            try expectEqual(try await leaseJobs(store, at: t0, limit: 200).count, 150, "jobs leasable")
        },
        Check(name: "a redelivered event is refused while its key lives") { store in
            try await enqueue(store, ["e1"])
            try expect(!(try await store.enqueue(job("e1"), dedupTTL: ttl, now: t0.addingTimeInterval(10))), "redelivery stored again")
        },
        Check(name: "expired dedup keys and old finished jobs are purged") { store in
            try await enqueue(store, ["e1", "e2"], key: "a")
            try await enqueue(store, ["e3"], key: "b")
            let held = try await leaseJobs(store, at: t0)
            try expectEqual(held.map(\.job.id), ["e1", "e3"], "leased")
            try await store.saveReplyState(job: "e1", key: "parts", value: Data("1".utf8))
            try await store.complete(held[0], now: t0)
            try await store.fail(held[1], error: "no", retryAt: nil, now: t0)
            let policy = RetentionPolicy(finishedJobs: .seconds(7200))
            try expectEqual(try await store.purge(now: t0.addingTimeInterval(60), policy: policy), PurgeReport(dedupKeys: 0, jobs: 0, conversations: 0), "early purge")
            try expectEqual(try await store.replyState(job: "e1", key: "parts"), Data("1".utf8), "reply state of a recently finished job")
            try expectEqual(try await store.purge(now: t0.addingTimeInterval(7201), policy: policy), PurgeReport(dedupKeys: 3, jobs: 2, conversations: 0), "late purge")
            try expect(try await store.replyState(job: "e1", key: "parts") == nil, "reply state of a purged job survived")
            let left = try await leaseJobs(store, at: t0.addingTimeInterval(7202))
            try expectEqual(left.map(\.job.id), ["e2"], "unfinished jobs after the purge")
            try expect(try await store.enqueue(job("e1"), dedupTTL: ttl, now: t0.addingTimeInterval(7203)), "expired key still refused")
        },
    ]

    static let jobChecks: [Check] = [
        Check(name: "a leased job comes back exactly as stored") { store in
            var original = job("e1", key: "room/1")
            original.traceContext = "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            try expect(try await store.enqueue(original, dedupTTL: ttl, now: t0), "enqueue refused")
            let held = try await leaseJobs(store, at: t0)
            try expectEqual(held.map(\.job), [original], "leased job")
            try expectEqual(held.first?.attempt, 1, "first attempt number")
            try expect(held.first.map { $0.expiresAt >= t0.addingTimeInterval(29) } ?? false, "lease expiry not about 30 s ahead")
        },
        Check(name: "one job per ordering key at a time, oldest first") { store in
            try await enqueue(store, ["a1", "a2"], key: "A")
            try await enqueue(store, ["b1"], key: "B")
            try await enqueue(store, ["a3"], key: "A")
            let first = try await leaseJobs(store, at: t0)
            try expectEqual(first.map(\.job.id), ["a1", "b1"], "first lease")
            try expectEqual(try await leaseJobs(store, at: t0).map(\.job.id), [], "second lease while both are held")
            try await store.complete(first[0], now: t0)
            try expectEqual(try await leaseJobs(store, at: t0).map(\.job.id), ["a2"], "after a1 completes")
        },
        Check(name: "queue stats count pending and leased jobs and date the oldest pending one") { store in
            try expectEqual(try await store.queueStats(), QueueStats(), "empty store")
            try await enqueue(store, ["a1", "a2"], key: "A", at: t0)
            try await enqueue(store, ["b1"], key: "B", at: t0.addingTimeInterval(5))
            let held = try await leaseJobs(store, at: t0.addingTimeInterval(6))
            try expectEqual(held.map(\.job.id), ["a1", "b1"], "leased")
            try expectEqual(
                try await store.queueStats(), QueueStats(pending: 1, leased: 2, oldestPendingSince: t0), "a2 pending since t0, two leased"
            )
            try await store.complete(held[0], now: t0.addingTimeInterval(7))
            try await store.fail(held[1], error: "boom", retryAt: nil, now: t0.addingTimeInterval(7))
            try expectEqual(
                try await store.queueStats(), QueueStats(pending: 1, leased: 0, oldestPendingSince: t0), "finished jobs are not counted"
            )
        },
        Check(name: "the limit takes the oldest ready jobs") { store in
            for (index, key) in ["k1", "k2", "k3", "k4"].enumerated() {
                try await enqueue(store, ["j\(index)"], key: key, at: t0.addingTimeInterval(Double(index)))
            }
            try expectEqual(try await leaseJobs(store, at: t0.addingTimeInterval(10), limit: 2).map(\.job.id), ["j0", "j1"], "limited lease")
        },
        Check(name: "a failed job waits for its retry time and keeps its key blocked") { store in
            try await enqueue(store, ["a1", "a2"], key: "A")
            let held = try await leaseJobs(store, at: t0)
            try await store.fail(held[0], error: "boom", retryAt: t0.addingTimeInterval(10), now: t0)
            try expectEqual(try await leaseJobs(store, at: t0.addingTimeInterval(5)).map(\.job.id), [], "before the retry time")
            let retried = try await leaseJobs(store, at: t0.addingTimeInterval(10))
            try expectEqual(retried.map(\.job.id), ["a1"], "at the retry time")
            try expectEqual(retried.first?.attempt, 2, "attempt after one failure")
        },
        Check(name: "failing without a retry finishes the job and frees its key") { store in
            try await enqueue(store, ["a1", "a2"], key: "A")
            let held = try await leaseJobs(store, at: t0)
            try await store.fail(held[0], error: "bad key", retryAt: nil, now: t0)
            try expectEqual(try await leaseJobs(store, at: t0).map(\.job.id), ["a2"], "after a1 failed for good")
        },
        Check(name: "an expired lease is taken over and the old holder loses it") { store in
            try await enqueue(store, ["a1"])
            let first = try await leaseJobs(store, at: t0)[0]
            try expectEqual(try await leaseJobs(store, at: t0.addingTimeInterval(29), owner: "replica-b").count, 0, "taken before expiry")
            let second = try await leaseJobs(store, at: t0.addingTimeInterval(31), owner: "replica-b")
            try expectEqual(second.map(\.attempt), [2], "attempt of the takeover")
            try await expectLeaseLost("complete by the old holder") { try await store.complete(first, now: t0) }
            try await expectLeaseLost("renew by the old holder") { _ = try await store.renew(first, for: lease, now: t0) }
            try await expectLeaseLost("fail by the old holder") { try await store.fail(first, error: "x", retryAt: nil, now: t0) }
            try await expectLeaseLost("release by the old holder") { try await store.release(first) }
            try await store.complete(second[0], now: t0)
            try await expectLeaseLost("complete twice") { try await store.complete(second[0], now: t0) }
        },
        Check(name: "a job whose holders keep dying is given up") { store in
            try await enqueue(store, ["poison"], key: "A")
            try await enqueue(store, ["next"], key: "A")
            var time = t0
            for attempt in 1...2 {
                try expectEqual(try await leaseJobs(store, at: time, maxAttempts: 2).map(\.job.id), ["poison"], "lease \(attempt)")
                time = time.addingTimeInterval(31)
            }
            // The poison job is finished as failed, and the next job of its key is ready at once.
            try expectEqual(try await leaseJobs(store, at: time, maxAttempts: 2).map(\.job.id), ["next"], "lease after the last attempt expired")
        },
        Check(name: "renew extends the lease; release gives it back without counting") { store in
            try await enqueue(store, ["a1"])
            let held = try await leaseJobs(store, at: t0)[0]
            let renewed = try await store.renew(held, for: lease, now: t0.addingTimeInterval(25))
            try expectEqual(try await leaseJobs(store, at: t0.addingTimeInterval(40)).count, 0, "taken while renewed")
            try await store.release(renewed)
            try expectEqual(try await leaseJobs(store, at: t0.addingTimeInterval(40)).map(\.attempt), [1], "attempt after a release")
        },
    ]

    static let concurrencyChecks: [Check] = [
        Check(name: "replicas leasing at once never share a job or a conversation") { store in
            let keys = (0..<5).map { "conversation-\($0)" }
            for round in 0..<6 {
                for key in keys { try await enqueue(store, ["\(key)-\(round)"], key: key) }
            }
            var done: [String: [String]] = [:]
            var time = t0
            while done.values.reduce(0, { $0 + $1.count }) < 30 {
                let now = time
                let batches = try await withThrowingTaskGroup(of: [JobLease].self) { group in
                    for replica in ["a", "b", "c"] {
                        group.addTask { try await leaseJobs(store, at: now, limit: 3, owner: replica) }
                    }
                    return try await group.reduce(into: [[JobLease]]()) { $0.append($1) }
                }
                let held = batches.flatMap { $0 }
                try expect(!held.isEmpty, "nothing leasable though jobs remain")
                try expectEqual(Set(held.map(\.job.id)).count, held.count, "distinct jobs leased at once")
                try expectEqual(Set(held.map(\.job.orderingKey)).count, held.count, "distinct conversations leased at once")
                for lease in held {
                    done[lease.job.orderingKey, default: []].append(lease.job.id)
                    try await store.complete(lease, now: time)
                }
                time = time.addingTimeInterval(1)
            }
            for key in keys {
                try expectEqual(done[key] ?? [], (0..<6).map { "\(key)-\($0)" }, "order of \(key)")
            }
        },
    ]

    static let mapChecks: [Check] = [
        Check(name: "a job's reply state is listed whole, and only its own") { store in
            try await store.saveReplyState(job: "j1", key: "engine.reply", value: Data("answer".utf8))
            try await store.saveReplyState(job: "j1", key: "wecom.sent_parts", value: Data("2".utf8))
            try await store.saveReplyState(job: "j2", key: "engine.reply", value: Data("other".utf8))
            try expectEqual(
                try await store.replyStates(job: "j1"), ["engine.reply": Data("answer".utf8), "wecom.sent_parts": Data("2".utf8)], "j1's reply state"
            )
            try expectEqual(try await store.replyStates(job: "none"), [:], "a job without reply state")
        },
        Check(name: "the conversation map reads its own writes") { store in
            try expectEqual(try await store.conversation("k"), ConversationEntry(), "unknown key")
            try expect(try await store.saveConversation("k", id: "45701982-8118-4bc5-8e9b-64562b4555f2", generation: 0, now: t0), "first save refused")
            try expectEqual(
                try await store.conversation("k"),
                ConversationEntry(stored: StoredConversation(id: "45701982-8118-4bc5-8e9b-64562b4555f2", lastUsed: t0), generation: 0), "saved"
            )
            try expect(try await store.saveConversation("k", id: "c2", generation: 0, now: t0.addingTimeInterval(5)), "second save refused")
            try expectEqual(
                try await store.conversation("k").stored, StoredConversation(id: "c2", lastUsed: t0.addingTimeInterval(5)), "overwritten"
            )
        },
        Check(name: "a reset forgets the conversation and refuses saves made before it") { store in
            try expect(try await store.saveConversation("k", id: "old", generation: 0, now: t0), "save refused")
            let before = try await store.conversation("k")
            try expectEqual(try await store.resetConversation("k", now: t0.addingTimeInterval(1)), StoredConversation(id: "old", lastUsed: t0), "forgotten")
            let after = try await store.conversation("k")
            try expectEqual(after.stored, nil, "conversation after the reset")
            try expect(after.generation > before.generation, "generation did not advance")
            // An answer that read the map before the reset finishes afterwards.
            try expect(!(try await store.saveConversation("k", id: "old", generation: before.generation, now: t0.addingTimeInterval(2))), "stale save stored")
            try expectEqual(try await store.conversation("k").stored, nil, "the stale save brought the conversation back")
            // The next message, after the reset, starts the new conversation.
            try expect(try await store.saveConversation("k", id: "new", generation: after.generation, now: t0.addingTimeInterval(3)), "fresh save refused")
            try expectEqual(try await store.conversation("k").stored?.id, "new", "new conversation")
            try expectEqual(try await store.resetConversation("never-saved", now: t0), nil, "reset of an unknown key")
            try expect(try await store.conversation("never-saved").generation > 0, "reset of an unknown key left no generation")
        },
        Check(name: "conversations idle for longer than the policy allows are purged") { store in
            try expect(try await store.saveConversation("idle", id: "c1", generation: 0, now: t0), "save refused")
            try expect(try await store.saveConversation("busy", id: "c2", generation: 0, now: t0.addingTimeInterval(3000)), "save refused")
            _ = try await store.resetConversation("reset-long-ago", now: t0)
            let policy = RetentionPolicy(idleConversations: .seconds(3600))
            try expectEqual(try await store.purge(now: t0.addingTimeInterval(3599), policy: policy).conversations, 0, "early purge")
            try expectEqual(try await store.purge(now: t0.addingTimeInterval(3601), policy: policy).conversations, 2, "late purge")
            try expectEqual(try await store.conversation("idle"), ConversationEntry(), "idle conversation")
            try expectEqual(try await store.conversation("busy").stored?.id, "c2", "recently used conversation")
        },
        Check(name: "reply state reads its own writes, per job and key") { store in
            try await enqueue(store, ["e1"])
            try await store.saveReplyState(job: "e1", key: "parts", value: Data([0, 1, 2]))
            try await store.saveReplyState(job: "e1", key: "parts", value: Data([3]))
            try await store.saveReplyState(job: "e1", key: "other", value: Data("x".utf8))
            try await store.saveReplyState(job: "not-a-job", key: "parts", value: Data("y".utf8))
            try expectEqual(try await store.replyState(job: "e1", key: "parts"), Data([3]), "overwritten value")
            try expectEqual(try await store.replyState(job: "e1", key: "other"), Data("x".utf8), "second key")
            try expectEqual(try await store.replyState(job: "not-a-job", key: "parts"), Data("y".utf8), "state under a non-job id")
            try expect(try await store.replyState(job: "e2", key: "parts") == nil, "unknown job has state")
        },
    ]
}
