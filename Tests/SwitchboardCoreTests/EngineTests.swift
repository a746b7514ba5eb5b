import Foundation
import ServiceLifecycle
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Synchronization
import Testing

@Suite("Engine", .timeLimit(.minutes(5)))
struct EngineTests {
    func message(_ id: String, _ text: String, chat: String = "c1") -> ChatEvent {
        GenericMessage(id, text, chat: chat, messageID: id).event
    }

    @Test func acceptDeduplicatesAndTheReplyIsDeliveredOnce() async throws {
        let backend = ScriptedBackend(answer: "pong")
        try await EngineHarness.run(backend: backend) { h in
            #expect(try await h.engine.accept([message("m1", "ping")]) == AcceptResult(accepted: ["bot:m1"]))
            #expect(try await h.engine.accept([message("m1", "ping")]) == AcceptResult(duplicates: ["bot:m1"]))
            _ = try await h.engine.accept([message("m2", "again")])
            let requests = try await h.callback.waitForRequests(count: 2)
            #expect(try EngineHarness.replies(requests) == ["pong", "pong"])
            #expect(backend.requests.map(\.query) == ["ping", "again"])
            #expect(backend.requests.first?.user == "generic:bot:u1")
        }
    }

    @Test func aFailedDeliveryIsRetriedWithoutAskingTheBackendAgain() async throws {
        let backend = ScriptedBackend(answer: "answer")
        let calls = Mutex(0)
        let flaky: LoopbackServer.Responder = { _ in
            calls.withLock { $0 += 1; return $0 } == 1 ? WebhookResponse(status: .serviceUnavailable) : WebhookResponse()
        }
        try await EngineHarness.run(backend: backend, callbackResponder: flaky) { h in
            _ = try await h.engine.accept([message("m1", "q")])
            let requests = try await h.callback.waitForRequests(count: 2)
            #expect(try EngineHarness.replies(requests) == ["answer", "answer"])
            #expect(backend.requests.count == 1)
        }
    }

    @Test func aStreamCutShortIsNotDeliveredAsIfComplete() async throws {
        let attempts = Mutex(0)
        let backend = ScriptedBackend { _ in
            attempts.withLock { $0 += 1; return $0 } == 1 ? [.delta("half an ans")] : [.delta("whole answer"), .end]
        }
        try await EngineHarness.run(backend: backend) { h in
            _ = try await h.engine.accept([message("m1", "q")])
            let requests = try await h.callback.waitForRequests(count: 1)
            #expect(try EngineHarness.replies(requests) == ["whole answer"])
        }
    }

    struct Unauthorized: Error, RetryableError {
        var isRetryable: Bool { false }
    }

    @Test func aBackendThatCannotAnswerIsNotRetriedAndTheUserIsTold() async throws {
        let backend = ScriptedBackend { _ in throw Unauthorized() }
        try await EngineHarness.run(backend: backend) { h in
            _ = try await h.engine.accept([message("m1", "q")])
            let requests = try await h.callback.waitForRequests(count: 1)
            #expect(try EngineHarness.replies(requests).first?.contains("could not answer") == true)
            // The job ended (failed for good): it is not tried again.
            try await waitUntil("the job's end") { await h.store.unfinishedJobCount == 0 }
            #expect(backend.requests.count == 1)
            #expect(h.callback.requests.count == 1)
        }
    }

    @Test func transientBackendErrorsAreRetriedUpToTheLimit() async throws {
        struct Flaky: Error {}
        let backend = ScriptedBackend { _ in throw Flaky() }
        try await EngineHarness.run(backend: backend) { h in
            _ = try await h.engine.accept([message("m1", "q")])
            _ = try await h.callback.waitForRequests(count: 1)
            #expect(backend.requests.count == 3)
        }
    }

    @Test func conversationIDsAreKeptPerScopeAndResetForgetsThem() async throws {
        let backend = ScriptedBackend { request in
            [.conversation(request.conversationID ?? "conv-\(request.event.messageID ?? "")"), .delta("ok"), .end]
        }
        try await EngineHarness.run(backend: backend) { h in
            // Each after the previous answer, as a user would: /reset has an order of its own.
            for (count, (id, text)) in [("m1", "first"), ("m2", "second"), ("m3", "/reset"), ("m4", "third")].enumerated() {
                _ = try await h.engine.accept([message(id, text)])
                _ = try await h.callback.waitForRequests(count: count + 1)
            }
            let requests = h.callback.requests
            #expect(try EngineHarness.replies(requests)[2].contains("new conversation"))
            #expect(backend.requests.map(\.conversationID) == [nil, "conv-m1", nil])
            #expect(backend.requests.map(\.user) == ["generic:bot:u1", "generic:bot:u1", "generic:bot:u1"])
            // The backend hears of the reset, to stop what it may still be generating.
            #expect(backend.resets == [ConversationReset(user: "generic:bot:u1", conversationID: "conv-m1", scope: "b|bot|chat:c1|user:u1")])
        }
    }

    @Test func anAnswerBegunBeforeAResetDoesNotBringTheOldConversationBack() async throws {
        let gate = TestGate()
        let backend = ScriptedBackend { request in
            // The second turn is held until /reset has run beside it; then it names its
            // conversation, as Dify does at the start of every answer.
            if request.query == "second" { await gate.wait() }
            return [.conversation(request.conversationID ?? "conv-\(request.event.messageID ?? "")"), .delta("ok"), .end]
        }
        try await EngineHarness.run(backend: backend) { h in
            _ = try await h.engine.accept([message("m1", "first")])
            _ = try await h.callback.waitForRequests(count: 1)
            _ = try await h.engine.accept([message("m2", "second")])
            try await waitUntil("the second backend call") { backend.requests.count == 2 }
            _ = try await h.engine.accept([message("m3", "/reset")])
            _ = try await h.callback.waitForRequests(count: 2)
            gate.open()
            _ = try await h.callback.waitForRequests(count: 3)
            _ = try await h.engine.accept([message("m4", "right after the reset")])
            _ = try await h.callback.waitForRequests(count: 4)
            #expect(backend.requests.map(\.conversationID) == [nil, "conv-m1", nil])
        }
    }

    @Test func underPerChatScopeTheChatIsTheUserSoEveryoneContinuesOneConversation() async throws {
        let backend = ScriptedBackend { request in
            [.conversation(request.conversationID ?? "conv-\(request.event.messageID ?? "")"), .delta("ok"), .end]
        }
        try await EngineHarness.run(backend: backend, rules: [RoutingRule(name: "all", backend: "b", scope: .perChat)]) { h in
            for (count, (id, sender)) in [("m1", "u1"), ("m2", "u2")].enumerated() {
                var event = message(id, "hi", chat: "team")
                event.sender = Participant(id: sender)
                _ = try await h.engine.accept([event])
                _ = try await h.callback.waitForRequests(count: count + 1)
            }
            #expect(backend.requests.map(\.user) == ["generic:bot:chat:team", "generic:bot:chat:team"])
            #expect(backend.requests.map(\.conversationID) == [nil, "conv-m1"])
        }
    }

    @Test func gracefulShutdownLetsTheRunningJobFinish() async throws {
        let backend = ScriptedBackend { _ in
            try await Task.sleep(for: .milliseconds(300))
            return [.delta("late but whole"), .end]
        }
        try await LoopbackServer.withRunning { callback in
            let (engine, store) = makeEngine(backend: backend, callback: callback, drainTimeout: .seconds(20))
            try await acceptThenShutDown(engine, backend: backend)
            #expect(try EngineHarness.replies(callback.requests) == ["late but whole"])
            #expect(await store.unfinishedJobCount == 0)
        }
    }

    @Test func theDrainDeadlineInterruptsAndGivesTheJobBack() async throws {
        let backend = ScriptedBackend { _ in
            try await Task.sleep(for: .seconds(30))
            return [.end]
        }
        try await LoopbackServer.withRunning { callback in
            let (engine, store) = makeEngine(backend: backend, callback: callback, drainTimeout: .milliseconds(200))
            try await acceptThenShutDown(engine, backend: backend)
            #expect(callback.requests.isEmpty)
            #expect(await store.unfinishedJobCount == 1)
            let resumed = await store.lease(LeaseRequest(owner: "next", limit: 1, duration: .seconds(30), maxAttempts: 3, now: Date()))
            #expect(resumed.first?.attempt == 1)
        }
    }

    /// Runs the engine in a service group, accepts one message, starts a graceful shutdown while it
    /// is being worked on, and waits for the engine to stop.
    func acceptThenShutDown(_ engine: Engine, backend: ScriptedBackend) async throws {
        let group = ServiceGroup(configuration: .init(services: [engine], logger: .init(label: "t")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await engine.accept([message("m1", "q")])
            // Being worked on: the backend was asked.
            try await waitUntil("the backend asked") { backend.requests.count == 1 }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func makeEngine(backend: ScriptedBackend, callback: LoopbackServer, drainTimeout: Duration) -> (Engine, InMemoryStateStore) {
        let store = InMemoryStateStore()
        let engine = TestEngine.make(store: store, backend: backend, callback: callback) {
            $0.drainTimeout = drainTimeout
            $0.retry = RetryPolicy()
        }
        return (engine, store)
    }
}
