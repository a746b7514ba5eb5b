import Foundation
import Logging
import Synchronization
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Testing

/// A store that goes away is said once, in one line, and its return once — not an error on every
/// poll; webhooks in between are refused so platforms redeliver, and nothing accepted is lost.
@Suite("Store outage", .timeLimit(.minutes(5)))
struct StoreOutageTests {
    @Test func anOutageIsOneLineAndItsEndAnotherAndNoEventIsLost() async throws {
        let store = FaultInjectingStateStore(base: InMemoryStateStore())
        let logs = LogCapture()
        let backend = ScriptedBackend(answer: "ok")
        try await LoopbackServer.withRunning { callback in
            let engine = TestEngine.make(store: store, backend: backend, callback: callback, replicaID: "outage", logger: logs.logger(level: .info)) {
                $0.pollInterval = .milliseconds(20)
                $0.retry = RetryPolicy()
            }
            let retention = RetentionService(
                store: store, policy: RetentionPolicy(purgeInterval: .milliseconds(30)), logger: logs.logger(level: .info), health: engine.storeHealth
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                group.addTask { try await retention.run() }
                defer { group.cancelAll() }
                // The engine polls; then the store goes away and twenty polls and a purge fail.
                let polls = Counter()
                let purges = Counter()
                store.setRule { call in
                    if call.operation == .lease { polls.add() }
                    return nil
                }
                try await waitUntil("the first poll") { polls.value >= 1 }
                store.setRule { call in
                    if call.operation == .lease { polls.add() }
                    if call.operation == .purge { purges.add() }
                    return FaultInjectingStateStore.Unavailable()
                }
                let before = polls.value
                try await waitUntil("failed polls and a failed purge") { polls.value >= before + 20 && purges.value >= 1 }
                await #expect(throws: FaultInjectingStateStore.Unavailable.self) { try await engine.accept([EngineLeaseTests.message("m1")]) }
                #expect(engine.storeHealth.isDown)
                store.setDown(false)
                // The platform redelivers; now it is kept and answered.
                _ = try await engine.accept([EngineLeaseTests.message("m1")])
                _ = try await callback.waitForRequests(count: 1)
                try await waitUntil("the return said") { logs.messages.contains { $0.hasPrefix("the state store is back after") } }
            }
        }
        let errors = logs.all.filter { $0.level >= .warning }
        #expect(errors.count == 1, "\(errors.map(\.line))")
        #expect(errors.first?.message == "the state store is unavailable: the state store is unreachable (injected fault); webhooks answer 503 so platforms redeliver, and queued work resumes by itself when it is back")
        let back = logs.all.filter { $0.message.hasPrefix("the state store is back after") }
        #expect(back.count == 1, "\(logs.messages)")
        #expect(logs.all.allSatisfy { !$0.line.contains("\n") })
    }

    /// When the store goes away, as a sent answer is being recorded.
    enum OutageMoment: String, CaseIterable, Sendable {
        /// As the answer arrives: the mark that its part was sent is not written.
        case asTheAnswerArrives
        /// As the job's completion is written, the sent mark already stored.
        case asTheJobCompletes
    }

    /// The database goes away just as an answer is delivered and stays away longer than the
    /// lease (a PostgreSQL restart under load did this): whatever could not be recorded, the job
    /// leased again once the store is back is completed, not answered a second time.
    @Test(arguments: OutageMoment.allCases)
    func anAnswerDeliveredJustBeforeAnOutageIsNotSentAgain(_ moment: OutageMoment) async throws {
        let store = FaultInjectingStateStore(base: InMemoryStateStore())
        let logs = LogCapture()
        let outage = Outage()
        let outageStarted = TestGate()
        let startOutage: @Sendable () -> Void = {
            outage.start(for: .seconds(6))
            outageStarted.open()
        }
        // Down for six seconds — twice the lease — from the moment chosen; enqueues go through,
        // so the fence message below can be accepted.
        store.setRule { call in
            if moment == .asTheJobCompletes, call.operation == .complete { startOutage() }
            guard outage.isOn, call.operation != .enqueue, call.operation != .claim else { return nil }
            return FaultInjectingStateStore.Unavailable()
        }
        try await LoopbackServer.withRunning(respond: { request in
            if moment == .asTheAnswerArrives, String(decoding: request.body, as: UTF8.self).contains("\"bot:m1\"") { startOutage() }
            return WebhookResponse()
        }) { callback in
            let engine = TestEngine.make(
                store: store, backend: ScriptedBackend(answer: "ok"), callback: callback, replicaID: "outage", logger: logs.logger(level: .info)
            ) {
                $0.pollInterval = .milliseconds(20)
                $0.retry = RetryPolicy()
                // 3 s: a lease a busy test process keeps renewing (1 s was lost to a stalled thread pool).
                $0.leaseDuration = .seconds(3)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                _ = try await engine.accept([EngineLeaseTests.message("m1")])
                await outageStarted.wait()
                // The fence: a later message of the same conversation, answered after m1's job ended.
                _ = try await engine.accept([EngineLeaseTests.message("m2")])
                try await waitUntil("m2's answer") { callback.requests.contains { String(decoding: $0.body, as: UTF8.self).contains("\"bot:m2\"") } }
            }
            let bodies = callback.requests.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.filter { $0.contains("\"bot:m1\"") }.count == 1, "m1 answered \(bodies.filter { $0.contains("\"bot:m1\"") }.count) times: \(logs.messages)")
        }
    }

    @Test("a redelivery of an event this process has claimed is known without the store: no enqueue, acked even while the store is down; a new event still needs the store, and an unknown one another replica claimed is found there")
    func redeliveriesAreKnownWithoutTheStore() async throws {
        let shared = InMemoryStateStore()
        let enqueues = Mutex(0)
        let store = FaultInjectingStateStore(base: shared)
        store.setRule { call in
            if call.operation == .enqueue { enqueues.withLock { $0 += 1 } }
            return nil
        }
        func engine(_ store: any StateStore) -> Engine {
            TestEngine.make(store: store, backend: ScriptedBackend(answer: "ok"), callback: nil, replicaID: "r")
        }
        let first = engine(store)
        #expect(try await first.accept([EngineLeaseTests.message("m1")]).accepted.count == 1)
        #expect(try await first.accept([EngineLeaseTests.message("m1")]).duplicates.count == 1)
        #expect(enqueues.withLock { $0 } == 1, "the redelivery did not touch the store")
        store.setRule { _ in FaultInjectingStateStore.Unavailable() }
        #expect(try await first.accept([EngineLeaseTests.message("m1")]).duplicates.count == 1)
        await #expect(throws: FaultInjectingStateStore.Unavailable.self) { try await first.accept([EngineLeaseTests.message("m2")]) }

        let other = engine(shared)
        #expect(try await other.accept([EngineLeaseTests.message("m1")]).duplicates.count == 1, "the store knows the other replica's claim")
    }
}

/// A store outage of a set length, from the first moment it is started.
final class Outage: Sendable {
    private let until = Mutex<ContinuousClock.Instant?>(nil)

    func start(for duration: Duration) {
        until.withLock { $0 = $0 ?? .now + duration }
    }

    var isOn: Bool {
        until.withLock { $0 }.map { ContinuousClock.now < $0 } ?? false
    }
}
