import Foundation
import SwitchboardCore
import SwitchboardTesting
import Synchronization
import Testing

/// A bounded store call must end when its limit passes even when what it waits for never
/// notices cancellation — a request a PostgreSQL driver lost while the database restarted
/// stopped the engine's polls for good (PostgresRestartTests under load).
@Suite("Time limits", .timeLimit(.minutes(5)))
struct TimeLimitTests {
    @Test("a call that ignores cancellation: the caller gets TimeLimitExceeded and does not wait for it")
    func aCallThatIgnoresCancellationIsNotWaitedFor() async throws {
        let never = Latch()
        defer { never.open() }
        let outcome = Mutex<String?>(nil)
        let caller = Task {
            do {
                try await withTimeLimit(.milliseconds(200)) { await never.wait() }
                outcome.withLock { $0 = "finished" }
            } catch {
                outcome.withLock { $0 = "\(type(of: error))" }
            }
        }
        try await waitUntil("the caller to give up") { outcome.withLock { $0 } != nil }
        #expect(outcome.withLock { $0 } == "TimeLimitExceeded")
        #expect(!never.isOpen)
        _ = await caller.result
    }

    @Test("a result that comes after the limit goes to `late` (a lease taken after all is given back)")
    func aLateResultIsHandedOver() async throws {
        let gate = Latch()
        let late = Mutex<Int?>(nil)
        await #expect(throws: TimeLimitExceeded.self) {
            try await withTimeLimit(.milliseconds(100)) {
                await gate.wait()
                return 7
            } late: { value in
                late.withLock { $0 = value }
            }
        }
        gate.open()
        try await waitUntil("the late result") { late.withLock { $0 } == 7 }
    }

    @Test("a cancelled caller stops waiting at once; a result in time is returned; an error in time is thrown")
    func cancellationResultsAndErrors() async throws {
        let never = Latch()
        defer { never.open() }
        let caller = Task { try await withTimeLimit(.seconds(3600)) { await never.wait() } }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(try await withTimeLimit(.seconds(30)) { 42 } == 42)
        await #expect(throws: StateStoreError.self) {
            try await withTimeLimit(.seconds(30)) { () async throws -> Int in throw StateStoreError.leaseLost(job: "j") }
        }
    }

    @Test("the engine's poll that the store never answers is given up: the next poll leases the job and it is answered")
    func aLostPollDoesNotStopTheEngine() async throws {
        let store = FaultInjectingStateStore(base: InMemoryStateStore())
        store.loseNextCall(of: .lease)
        defer { store.releaseLostCalls() }
        try await LoopbackServer.withRunning { callback in
            let engine = TestEngine.make(store: store, backend: ScriptedBackend(answer: "pong"), callback: callback) {
                $0.leaseDuration = .seconds(3)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                try await waitUntil("the lost poll") { store.lostCallCount == 1 }
                _ = try await engine.accept([GenericMessage("m1", "ping").event])
                _ = try await callback.waitForRequests(count: 1, timeout: .seconds(30))
            }
        }
    }
}
