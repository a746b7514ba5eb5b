import Foundation

/// What the fake answers when no reply is scripted: Dify's own checks, then `You said: <query>`.
extension FakeDifyServer {
    static let wrongRoute = "Please check if your app mode matches the right API route."

    func standardAnswer(_ call: FakeDifyCall, route: String) -> LoopbackResponse {
        let blocking = call.responseMode != "streaming"
        guard let user = call.user, !user.isEmpty else {
            return Self.error(400, "invalid_param", "{'user': 'Missing required parameter in the JSON body'}")
        }
        switch route {
        case "chat-messages":
            return chatAnswer(call, user: user, blocking: blocking)
        case "workflows/run":
            guard mode == "workflow" else { return Self.error(400, "not_workflow_app", Self.wrongRoute) }
            let events = FakeDifyEvents()
            let answer = "You said: \(call.inputs["query"] ?? "")"
            if blocking {
                return Self.json(200, OrderedJSON.object([
                    ("workflow_run_id", .string(events.workflowRunID)), ("task_id", .string(events.taskID)),
                    ("data", .object(FakeDifyEvents.workflowResult(id: events.workflowRunID, status: "succeeded", outputs: [("text", .string(answer))], error: nil, createdAt: events.createdAt))),
                ]).text)
            }
            let (first, second) = Self.halves(answer)
            return stream([
                events.workflowStarted(), events.nodeStarted(title: "LLM"), events.textChunk(first), .ping, events.textChunk(second),
                events.workflowFinished(outputs: [("text", .string(answer))]),
            ])
        default:
            guard mode == "completion" else { return Self.error(400, "not_completion_app", Self.wrongRoute) }
            let events = FakeDifyEvents()
            let answer = "You said: \(call.inputs["query"] ?? call.query ?? "")"
            if blocking { return Self.json(200, Self.blockingMessage(events, answer: answer, mode: "completion", conversation: false)) }
            let (first, second) = Self.halves(answer)
            return stream([events.message(first), events.message(second), events.messageEnd()])
        }
    }

    private func chatAnswer(_ call: FakeDifyCall, user: String, blocking: Bool) -> LoopbackResponse {
        guard ["chat", "advanced-chat", "agent-chat"].contains(mode) else { return Self.error(400, "not_chat_app", Self.wrongRoute) }
        if mode == "agent-chat", blocking { return Self.error(400, "invalid_param", "Agent Chat App does not support blocking mode") }
        guard let query = call.query else { return Self.error(400, "invalid_param", "{'query': 'Missing required parameter in the JSON body'}") }
        var conversation = call.conversationID ?? ""
        if conversation.isEmpty {
            conversation = UUID().uuidString.lowercased()
            remember(conversation: conversation, user: user)
        } else {
            guard UUID(uuidString: conversation) != nil else { return Self.error(400, "invalid_param", "conversation_id must be a valid UUID") }
            // Dify looks conversations up per end user: another user's is as unknown as a deleted one.
            guard owner(of: conversation) == user else { return Self.error(404, "not_found", "Conversation Not Exists.") }
        }
        let events = FakeDifyEvents(conversationID: conversation)
        let answer = "You said: \(query)"
        if blocking { return Self.json(200, Self.blockingMessage(events, answer: answer, mode: mode, conversation: true)) }
        let (first, second) = Self.halves(answer)
        let piece = mode == "agent-chat" ? events.agentMessage : events.message
        return stream([piece(first), .ping, piece(second), events.messageEnd()])
    }

    /// A blocking chat or completion answer (`platforms.md` §4a).
    static func blockingMessage(_ events: FakeDifyEvents, answer: String, mode: String, conversation: Bool) -> String {
        var fields: [(String, OrderedJSON)] = [
            ("event", "message"), ("task_id", .string(events.taskID)), ("id", .string(events.messageID)), ("message_id", .string(events.messageID)),
        ]
        if conversation { fields.append(("conversation_id", .string(events.conversationID))) }
        fields += [
            ("mode", .string(mode)), ("answer", .string(answer)),
            ("metadata", .object([("usage", FakeDifyEvents.usage), ("retriever_resources", .array([]))])), ("created_at", .int(events.createdAt)),
        ]
        return OrderedJSON.object(fields).text
    }

    static func halves(_ text: String) -> (String, String) {
        let middle = text.index(text.startIndex, offsetBy: text.count / 2)
        return (String(text[..<middle]), String(text[middle...]))
    }
}
