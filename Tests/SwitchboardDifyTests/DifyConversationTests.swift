import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// Conversations over time: idle_reset, and `/reset` stopping what Dify is still generating.
@Suite("Dify conversations", .timeLimit(.minutes(5)))
struct DifyConversationTests {
    @Test("idle_reset starts a new conversation once the stored one has rested longer than the limit")
    func idleReset() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let backend = try DifyTest.backend(dify, app: "chat", options: ["idle_reset": "1h"])
            let first = try await DifyTest.answer(backend, DifyTest.request("一"))
            let id = try #require(first.conversation)
            let recent = try await DifyTest.answer(backend, DifyTest.request("二", conversationID: id, lastUsed: Date().addingTimeInterval(-600)))
            #expect(recent.conversation == id)
            let rested = try await DifyTest.answer(backend, DifyTest.request("三", conversationID: id, lastUsed: Date().addingTimeInterval(-7200)))
            #expect(rested.conversation != id)
            #expect(dify.calls.map(\.conversationID) == ["", id, ""])
        }
    }

    @Test("/reset stops the answer Dify is generating for that conversation, as the same user")
    func resetStopsTask() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            dify.enqueue(.stream([events.message("正在写一篇长文……"), events.untilStopped, events.messageEnd()]))
            let backend = try DifyTest.backend(dify, app: "chat")
            let request = DifyTest.request("写一篇长文")
            var iterator = backend.respond(to: request).makeAsyncIterator()
            #expect(try await iterator.next() == .conversation(events.conversationID))
            #expect(try await iterator.next() == .delta("正在写一篇长文……"))
            await backend.conversationReset(ConversationReset(user: request.user, conversationID: events.conversationID, scope: request.scope))
            let stop = try #require(try await dify.waitForStops(count: 1).first)
            #expect(stop.path == "/v1/chat-messages/\(events.taskID)/stop")
            #expect(stop.user == request.user)
            #expect(try await iterator.next() == .end)
        }
    }

    @Test("a reset of another user's or another conversation stops nothing")
    func resetOthers() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            let gate = TestGate()
            dify.enqueue(.stream([events.message("回答中"), .wait(gate), events.messageEnd()]))
            let backend = try DifyTest.backend(dify, app: "chat")
            let request = DifyTest.request("hi")
            var iterator = backend.respond(to: request).makeAsyncIterator()
            _ = try await iterator.next()
            _ = try await iterator.next()
            await backend.conversationReset(
                ConversationReset(user: "wecom:wecom-app:lisi", conversationID: events.conversationID, scope: "helpdesk|wecom-app|user:lisi|chat:chat-1")
            )
            await backend.conversationReset(
                ConversationReset(user: request.user, conversationID: UUID().uuidString.lowercased(), scope: "helpdesk|wecom-app|user:zhangsan|chat:chat-2")
            )
            gate.open()
            #expect(try await iterator.next() == .end)
            #expect(dify.stops.isEmpty)
        }
    }

    @Test("a reset in another chat of the same user leaves a first-turn answer alone: its conversation is kept and nothing is stopped")
    func resetOfAnotherScopeBeforeTheConversationIsKnown() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            let gate = TestGate()
            dify.enqueue(.stream([.wait(gate), events.message("群一的回答"), events.messageEnd()]))
            let backend = try DifyTest.backend(dify, app: "chat")
            // A first turn in chat-1: Dify has not named its conversation yet.
            let request = DifyTest.request("hi")
            let answer = Task { try await DifyTest.chunks(backend, request) }
            _ = try await dify.waitForCalls(count: 1)
            // The same user resets in chat-2, where nothing is stored either; the Dify user is the same.
            await backend.conversationReset(
                ConversationReset(user: request.user, conversationID: nil, scope: "helpdesk|wecom-app|user:zhangsan|chat:chat-2")
            )
            gate.open()
            #expect(try await answer.value == [.conversation(events.conversationID), .delta("群一的回答"), .end])
            // A stop is sent (awaited) as the task becomes known, before the answer goes on: none was.
            #expect(dify.stops.isEmpty)
        }
    }

    @Test("a reset before Dify said which task it is stops the task once it is known, and the conversation is not brought back")
    func resetBeforeTask() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            let gate = TestGate()
            dify.enqueue(.stream([.wait(gate), events.message("开头"), events.untilStopped, events.messageEnd()]))
            let backend = try DifyTest.backend(dify, app: "chat")
            let request = DifyTest.request("hi")
            let answer = Task { try await DifyTest.chunks(backend, request) }
            _ = try await dify.waitForCalls(count: 1)
            // Nothing is stored for a first turn, so the reset names no conversation, only the scope.
            await backend.conversationReset(ConversationReset(user: request.user, conversationID: nil, scope: request.scope))
            gate.open()
            let chunks = try await answer.value
            #expect(chunks == [.delta("开头"), .end])
            #expect(try await dify.waitForStops(count: 1).first?.path == "/v1/chat-messages/\(events.taskID)/stop")
        }
    }

    @Test("workflow answers are stopped through the workflow stop API")
    func workflowStop() async throws {
        try await FakeDifyServer.withRunning(mode: "workflow") { dify in
            let events = FakeDifyEvents()
            dify.enqueue(.stream([events.workflowStarted(), events.textChunk("处理中"), events.untilStopped, events.workflowFinished(status: "stopped", outputs: [])]))
            let backend = try DifyTest.backend(dify, app: "workflow")
            let request = DifyTest.request("hi")
            var iterator = backend.respond(to: request).makeAsyncIterator()
            #expect(try await iterator.next() == .delta("处理中"))
            await backend.conversationReset(ConversationReset(user: request.user, conversationID: nil, scope: request.scope))
            #expect(try await dify.waitForStops(count: 1).first?.path == "/v1/workflows/tasks/\(events.taskID)/stop")
            // Stopped after text: what was shown stays, with the notice.
            #expect(try await iterator.next() == .delta("\n\n⚠️ 回答中断，请稍后重试。/ The answer was cut off; please try again."))
            #expect(try await iterator.next() == .end)
        }
    }
}
