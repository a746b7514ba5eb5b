import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Synchronization
import Testing

/// A job whose lease cannot be kept stops before it answers, so the worker that takes the job
/// over is the only one that answers.
@Suite("Engine leases", .timeLimit(.minutes(5)))
struct EngineLeaseTests {
    /// How renewals of worker "a"'s first lease go; every other lease renews normally.
    enum RenewalFault: Sendable {
        case unreachable
        case leaseLost
        case unreachableTimes(Int)
    }

    @Test(arguments: [RenewalFault.unreachable, .leaseLost])
    func aJobWhoseLeaseIsLostStopsAndIsAnsweredOnceByTheWorkerThatTakesItOver(fault: RenewalFault) async throws {
        let store = RenewalFaultStore(fault: fault, faultyOwner: "a")
        // a's call answers only when stopped — without the keeper it would outlive the lease, and
        // how busy the machine is cannot make it answer first; b's (the second) answers at once.
        let stopped = Counter()
        let calls = Counter()
        let backend = ScriptedBackend { request in
            guard calls.add() == 1 else { return [.delta("answer to \(request.query)"), .end] }
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                stopped.add()
                throw error
            }
            return [.delta("answer to \(request.query)"), .end]
        }
        try await LoopbackServer.withRunning { callback in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.engine("a", store: store.store, backend: backend, callback: callback).run() }
                defer { group.cancelAll() }
                let first = Self.engine("a-intake", store: store.store, backend: backend, callback: callback)
                _ = try await first.accept([Self.message("m1")])
                try await waitUntil("the condition") { backend.requests.count == 1 }
                // Worker b starts once a has the job; it takes the job when a's lease expires.
                group.addTask { try await Self.engine("b", store: store.store, backend: backend, callback: callback).run() }
                _ = try await callback.waitForRequests(count: 1, timeout: .seconds(20))
                // a's work was stopped (its backend call cancelled): it cannot answer any more.
                try await waitUntil("a's work stopped") { stopped.value == 1 }
                #expect(callback.requests.count == 1)
                #expect(backend.requests.count == 2)
                #expect(store.renewalsRefused > 0)
            }
        }
    }

    @Test func aRenewalThatFailsBrieflyIsTriedAgainAndTheJobFinishes() async throws {
        let store = RenewalFaultStore(fault: .unreachableTimes(2), faultyOwner: "a")
        // A 60 s lease renewed every 20 s: the two refused renewals (20 s, 22 s) are retried far
        // inside it — the keeper gives up only at 38 s — so a test process busy with other suites
        // (CI starved a 15 s lease's margin, a full run once a 9 s one) cannot make it give the job
        // up. The work outlasts the first renewal.
        let backend = ScriptedBackend { _ in
            try await Task.sleep(for: .seconds(25))
            return [.delta("whole"), .end]
        }
        try await LoopbackServer.withRunning { callback in
            try await withThrowingTaskGroup(of: Void.self) { group in
                let engine = Self.engine("a", store: store.store, backend: backend, callback: callback, lease: .seconds(60))
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                _ = try await engine.accept([Self.message("m1")])
                _ = try await callback.waitForRequests(count: 1, timeout: .seconds(90))
                #expect(try EngineHarness.replies(callback.requests) == ["whole"])
                #expect(store.renewalsRefused == 2)
                #expect(backend.requests.count == 1)
                // Completed once the reply is out.
                try? await waitUntil("the job completed", timeout: .seconds(5)) { await store.base.unfinishedJobCount == 0 }
                #expect(await store.base.unfinishedJobCount == 0)
            }
        }
    }

    static func message(_ id: String) -> ChatEvent {
        GenericMessage(id, "question \(id)", messageID: id).event
    }

    /// A worker with a 3 s lease (renewed every second; a failed renewal tried again every ¼ s) —
    /// short, but with room for a test process busy with other tests.
    static func engine(
        _ owner: String, store: some StateStore, backend: ScriptedBackend, callback: LoopbackServer, lease: Duration = .seconds(3)
    ) -> Engine {
        var logger = Logger(label: "lease-test")
        logger.logLevel = .error
        return TestEngine.make(store: store, backend: backend, callback: callback, replicaID: owner, logger: logger) {
            $0.leaseDuration = lease
            $0.retry = RetryPolicy(maxAttempts: 5, initialDelay: .milliseconds(20), maxDelay: .milliseconds(50))
        }
    }

}

/// An in-memory store whose renewals of one owner's first lease fail as told.
final class RenewalFaultStore: Sendable {
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    let base = InMemoryStateStore()
    let store: FaultInjectingStateStore
    private let refused = Counter()

    init(fault: EngineLeaseTests.RenewalFault, faultyOwner: String) {
        let refused = refused
        let store = FaultInjectingStateStore(base: base)
        store.setRule { [unowned store] call in
            guard call.operation == .renew, call.token != nil, call.token == store.tokens(leasedBy: faultyOwner).first else { return nil }
            let refuse = refused.value.withLock { count in
                if case .unreachableTimes(let times) = fault, count >= times { return false }
                count += 1
                return true
            }
            guard refuse else { return nil }
            if case .leaseLost = fault { return StateStoreError.leaseLost(job: "") }
            return FaultInjectingStateStore.Unavailable()
        }
        self.store = store
    }

    var renewalsRefused: Int { refused.value.withLock { $0 } }
}
