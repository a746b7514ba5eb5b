import Foundation
import ServiceLifecycle
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

@Suite("Engine on SQLite", .timeLimit(.minutes(5)))
struct EngineOnSQLiteTests {
    /// GRDB refuses work in a cancelled task; the engine must still give an interrupted job's lease
    /// back, so the next start takes it up at once rather than after the lease expires.
    @Test func aJobInterruptedAtTheDrainDeadlineIsReleasedAtOnce() async throws {
        let store = try SQLiteStateStore.open(path: temporaryPath())
        let backend = ScriptedBackend { _ in
            try await Task.sleep(for: .seconds(30))
            return [.end]
        }
        let engine = TestEngine.make(store: store, backend: backend, callback: nil, replicaID: "sqlite-test", transport: RecordingTransport()) {
            $0.drainTimeout = .milliseconds(200)
            $0.retry = RetryPolicy()
        }
        let group = ServiceGroup(configuration: .init(services: [engine], logger: .init(label: "t")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let event = GenericMessage("m-1", "slow", chat: "c", sender: "u").event
            _ = try await engine.accept([event])
            try await waitUntil("the backend asked", poll: .milliseconds(20)) { !backend.requests.isEmpty }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let next = try await store.lease(LeaseRequest(owner: "next", limit: 1, duration: .seconds(30), maxAttempts: 5, now: Date()))
        #expect(next.map(\.job.id) == ["bot:m-1"], "the lease was not given back")
        #expect(next.first?.attempt == 1)
    }
}
