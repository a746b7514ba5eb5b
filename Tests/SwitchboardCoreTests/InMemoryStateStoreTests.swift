import Foundation
import SwitchboardCore
import Testing

@Suite("In-memory state store")
struct InMemoryStateStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_718_000_000)
    /// Tests speak to the store through the protocol, as the engine does.
    let memory = InMemoryStateStore()
    var store: any StateStore { memory }

    func job(_ id: String, key: String = "k") -> Job {
        var e = event("text \(id)")
        e.id = id
        return Job(event: e, orderingKey: key)
    }

    func lease(_ store: any StateStore, at time: Date, limit: Int = 10, maxAttempts: Int = 3) async throws -> [JobLease] {
        try await store.lease(LeaseRequest(owner: "test", limit: limit, duration: .seconds(30), maxAttempts: maxAttempts, now: time))
    }

    @Test func claimDeduplicatesUntilTheTTLPasses() async throws {
        #expect(try await store.claim("a", ttl: .seconds(60), now: t0))
        #expect(try await !store.claim("a", ttl: .seconds(60), now: t0.addingTimeInterval(59)))
        #expect(try await store.claim("a", ttl: .seconds(60), now: t0.addingTimeInterval(61)))
    }

    @Test func enqueueIsIdempotentPerEventID() async throws {
        #expect(try await store.enqueue(job("e1"), dedupTTL: .seconds(60), now: t0))
        #expect(try await !store.enqueue(job("e1"), dedupTTL: .seconds(60), now: t0))
        #expect(await memory.unfinishedJobCount == 1)
    }

    @Test func concurrentEnqueuesOfOneEventStoreItOnce() async throws {
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { (try? await store.enqueue(job("same"), dedupTTL: .seconds(60), now: t0)) ?? false } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
    }

    @Test func oneJobPerOrderingKeyAtATimeInOrder() async throws {
        for id in ["a1", "a2"] { _ = try await store.enqueue(job(id, key: "A"), dedupTTL: .seconds(60), now: t0) }
        _ = try await store.enqueue(job("b1", key: "B"), dedupTTL: .seconds(60), now: t0)
        let first = try await lease(store, at: t0)
        #expect(first.map(\.job.id) == ["a1", "b1"])
        #expect(try await lease(store, at: t0).isEmpty)
        try await store.complete(first[0], now: t0)
        #expect(try await lease(store, at: t0).map(\.job.id) == ["a2"])
    }

    @Test func failedJobWaitsForItsRetryTimeAndBlocksItsKey() async throws {
        _ = try await store.enqueue(job("a1", key: "A"), dedupTTL: .seconds(60), now: t0)
        _ = try await store.enqueue(job("a2", key: "A"), dedupTTL: .seconds(60), now: t0)
        let held = try #require(try await lease(store, at: t0).first)
        try await store.fail(held, error: "boom", retryAt: t0.addingTimeInterval(10), now: t0)
        #expect(try await lease(store, at: t0.addingTimeInterval(5)).isEmpty)
        let retried = try await lease(store, at: t0.addingTimeInterval(10))
        #expect(retried.map(\.job.id) == ["a1"])
        #expect(retried.first?.attempt == 2)
        #expect(await memory.lastError(job: "a1") == "boom")
    }

    @Test func failingWithoutRetryFinishesTheJob() async throws {
        _ = try await store.enqueue(job("a1", key: "A"), dedupTTL: .seconds(60), now: t0)
        _ = try await store.enqueue(job("a2", key: "A"), dedupTTL: .seconds(60), now: t0)
        let held = try #require(try await lease(store, at: t0).first)
        try await store.fail(held, error: "bad key", retryAt: nil, now: t0)
        #expect(try await lease(store, at: t0).map(\.job.id) == ["a2"])
    }

    @Test func expiredLeaseIsTakenOverAndTheOldHolderLosesIt() async throws {
        _ = try await store.enqueue(job("a1"), dedupTTL: .seconds(60), now: t0)
        let first = try #require(try await lease(store, at: t0).first)
        #expect(try await lease(store, at: t0.addingTimeInterval(29)).isEmpty)
        let second = try #require(try await lease(store, at: t0.addingTimeInterval(31)).first)
        #expect(second.attempt == 2)
        await #expect(throws: StateStoreError.leaseLost(job: "a1")) { try await store.complete(first, now: t0) }
        await #expect(throws: StateStoreError.leaseLost(job: "a1")) { _ = try await store.renew(first, for: .seconds(30), now: t0) }
        try await store.complete(second, now: t0)
    }

    @Test func aJobWhoseHoldersKeepDyingIsGivenUp() async throws {
        _ = try await store.enqueue(job("poison"), dedupTTL: .seconds(60), now: t0)
        var time = t0
        for _ in 0..<2 {
            #expect(try await lease(store, at: time, maxAttempts: 2).count == 1)
            time = time.addingTimeInterval(31)
        }
        #expect(try await lease(store, at: time, maxAttempts: 2).isEmpty)
        #expect(await memory.unfinishedJobCount == 0)
    }

    @Test func renewKeepsTheLeaseAndReleaseDoesNotCountAnAttempt() async throws {
        _ = try await store.enqueue(job("a1"), dedupTTL: .seconds(60), now: t0)
        let held = try #require(try await lease(store, at: t0).first)
        let renewed = try await store.renew(held, for: .seconds(30), now: t0.addingTimeInterval(25))
        #expect(try await lease(store, at: t0.addingTimeInterval(40)).isEmpty)
        try await store.release(renewed)
        #expect(try await lease(store, at: t0.addingTimeInterval(40)).first?.attempt == 1)
    }

    @Test func conversationMapReadsItsOwnWrites() async throws {
        #expect(try await store.conversation("k") == nil)
        try await store.saveConversation("k", id: "c1", now: t0)
        #expect(try await store.conversation("k") == StoredConversation(id: "c1", lastUsed: t0))
        try await store.removeConversation("k")
        #expect(try await store.conversation("k") == nil)
    }

    @Test func purgeRemovesExpiredKeysAndOldFinishedJobs() async throws {
        _ = try await store.enqueue(job("a1"), dedupTTL: .seconds(60), now: t0)
        let held = try #require(try await lease(store, at: t0).first)
        try await store.saveReplyState(job: "a1", key: "parts", value: Data("1".utf8))
        try await store.complete(held, now: t0)
        #expect(try await store.replyState(job: "a1", key: "parts") == Data("1".utf8))
        let policy = RetentionPolicy(finishedJobs: .seconds(3600))
        #expect(try await store.purge(now: t0.addingTimeInterval(30), policy: policy) == PurgeReport(dedupKeys: 0, jobs: 0))
        #expect(try await store.purge(now: t0.addingTimeInterval(3601), policy: policy) == PurgeReport(dedupKeys: 1, jobs: 1))
        #expect(try await store.replyState(job: "a1", key: "parts") == nil)
        #expect(try await store.enqueue(job("a1"), dedupTTL: .seconds(60), now: t0.addingTimeInterval(3602)))
    }
}
