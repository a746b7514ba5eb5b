import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Synchronization
import Testing

/// The engine's retry backoff, checked against a clock the test moves — never by waiting it out.
@Suite("Engine retries", .timeLimit(.minutes(5)))
struct EngineRetryTests {
    @Test func theDelayDoublesIsCappedAndIsJitteredWithinHalfToWhole() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: .seconds(2), maxDelay: .seconds(30))
        #expect(policy.delay(afterAttempt: 1, jitter: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 2, jitter: 1) == .seconds(4))
        #expect(policy.delay(afterAttempt: 4, jitter: 1) == .seconds(16))
        #expect(policy.delay(afterAttempt: 5, jitter: 1) == .seconds(30))
        #expect(policy.delay(afterAttempt: 60, jitter: 1) == .seconds(30))
        #expect(policy.delay(afterAttempt: 3, jitter: 0.5) == .seconds(4))
        for _ in 0..<500 {
            let delay = policy.delay(afterAttempt: 3)
            #expect(delay >= .seconds(4) && delay <= .seconds(8))
        }
    }

    struct Flaky: Error {}

    @Test func aFailedJobWaitsItsBackoffOnTheEnginesClock() async throws {
        let clock = ManualClock()
        let backend = ScriptedBackend { _ in throw Flaky() }
        // Counts recorded failures: the retry time is computed from the clock when the failure is
        // recorded, so the test moves the clock only after that.
        let failures = Counter()
        // Counts the engine's polls: two after the clock moved, and it has looked at least once.
        let polls = Counter()
        let store = FaultInjectingStateStore(base: InMemoryStateStore()) { call in
            if call.operation == .fail { failures.add() }
            if call.operation == .lease { polls.add() }
            return nil
        }
        func polledAfterwards() async throws {
            let seen = polls.value
            try await waitUntil("two polls") { polls.value >= seen + 2 }
        }
        try await LoopbackServer.withRunning { callback in
            var logger = Logger(label: "retry-test")
            logger.logLevel = .critical
            let engine = TestEngine.make(store: store, backend: backend, callback: callback, replicaID: "retry", logger: logger, clock: clock) {
                $0.pollInterval = .milliseconds(10)
                $0.retry = RetryPolicy(maxAttempts: 4, initialDelay: .seconds(10), maxDelay: .seconds(80))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                _ = try await engine.accept([EngineLeaseTests.message("m1")])
                try await waitUntil("the failure recorded") { failures.value == 1 }
                // Attempt n failed at `start`; the next waits 10·2ⁿ⁻¹ s × [½, 1].
                var start = 0.0
                for (attempt, full) in [(1, 10.0), (2, 20.0), (3, 40.0)] {
                    clock.set(start + full / 2 - 0.01)
                    try await polledAfterwards()
                    #expect(backend.requests.count == attempt, "attempt \(attempt + 1) came before half its backoff")
                    clock.set(start + full + 0.01)
                    try await waitUntil("the failure recorded") { failures.value == attempt + 1 }
                    #expect(backend.requests.count == attempt + 1)
                    start += full + 0.01
                }
                // The fourth attempt was the last: no fifth, however long the clock runs.
                clock.set(start + 10_000)
                _ = try await callback.waitForRequests(count: 1)
                try await polledAfterwards()
                #expect(backend.requests.count == 4)
            }
        }
    }
}
