import Foundation

/// One piece of a scripted Dify answer stream.
public enum FakeDifyStep: Sendable {
    /// A `data: <json>` event followed by a blank line.
    case event(String)
    /// Dify's keep-alive: `event: ping` and a blank line, no data.
    case ping
    /// An SSE comment line.
    case comment(String)
    /// Bytes exactly as given (for line endings and splits the other steps do not make).
    case raw([UInt8])
    case pause(Duration)
    /// Nothing more until the test opens the gate.
    case wait(TestGate)
    /// Nothing more until the stop API is called for this task (Dify then ends the stream).
    case untilStopped(task: String)
}

/// Builds the events of one answer in Dify's shapes (`platforms.md` §4b), all with the same
/// task, message and conversation ids.
public struct FakeDifyEvents: Sendable {
    public var conversationID: String
    public var taskID: String
    public var messageID: String
    public var workflowRunID: String
    public var createdAt: Int

    /// Ids left out are new random UUIDs, lowercased like Dify's.
    public init(conversationID: String? = nil, taskID: String? = nil, messageID: String? = nil, createdAt: Int = 1_705_398_420) {
        self.conversationID = conversationID ?? Self.newID()
        self.taskID = taskID ?? Self.newID()
        self.messageID = messageID ?? Self.newID()
        workflowRunID = Self.newID()
        self.createdAt = createdAt
    }

    /// A chat answer's text delta.
    public func message(_ answer: String) -> FakeDifyStep {
        chat("message", [("answer", .string(answer))])
    }

    /// An agent answer's text delta.
    public func agentMessage(_ answer: String) -> FakeDifyStep {
        chat("agent_message", [("answer", .string(answer))])
    }

    /// One step of an agent; `id` identifies the step (Dify sends a step again with its observation).
    public func agentThought(id: String, position: Int, thought: String, tool: String, observation: String = "") -> FakeDifyStep {
        chat("agent_thought", [
            ("id", .string(id)), ("position", .int(position)), ("thought", .string(thought)), ("observation", .string(observation)),
            ("tool", .string(tool)), ("tool_labels", .object([])), ("tool_input", .string(tool.isEmpty ? "" : "{\"\(tool)\": {}}")),
            ("message_files", .array([])),
        ])
    }

    /// An image a tool made.
    /// A file a tool made: `type` is Dify's file type (`image`, `document`, `audio`, `video`, `custom`).
    public func messageFile(url: String, type: String = "image") -> FakeDifyStep {
        chat("message_file", [("id", .string(Self.newID())), ("type", .string(type)), ("belongs_to", "assistant"), ("url", .string(url))])
    }

    /// Moderation replaced the answer.
    public func messageReplace(_ answer: String) -> FakeDifyStep {
        chat("message_replace", [("answer", .string(answer))])
    }

    /// A knowledge-base source for ``messageEnd(resources:)``.
    public static func resource(document: String, dataset: String = "Handbook", score: Double = 0.87, content: String) -> OrderedJSON {
        .object([
            ("position", 1), ("dataset_id", .string(Self.newID())), ("dataset_name", .string(dataset)),
            ("document_id", .string(Self.newID())), ("document_name", .string(document)),
            ("segment_id", .string(Self.newID())), ("score", .double(score)), ("content", .string(content)),
        ])
    }

    public func messageEnd(resources: [OrderedJSON] = []) -> FakeDifyStep {
        var metadata: [(String, OrderedJSON)] = [("usage", Self.usage)]
        if !resources.isEmpty { metadata.append(("retriever_resources", .array(resources))) }
        return chat("message_end", [("id", .string(messageID)), ("metadata", .object(metadata))])
    }

    /// An error event; the stream ends after it.
    public func error(status: Int = 400, code: String, message: String) -> FakeDifyStep {
        .event(OrderedJSON.object([
            ("event", "error"), ("conversation_id", .string(conversationID)), ("message_id", .string(messageID)),
            ("created_at", .int(createdAt)), ("code", .string(code)), ("message", .string(message)), ("status", .int(status)),
        ]).text)
    }

    public func workflowStarted() -> FakeDifyStep {
        workflow("workflow_started", [("id", .string(workflowRunID)), ("workflow_id", "e46514f1-c008-41ff-94b0-4f33d4b97d36"), ("sequence_number", 1), ("inputs", .object([])), ("created_at", .int(createdAt))])
    }

    public func nodeStarted(title: String, type: String = "llm") -> FakeDifyStep {
        workflow("node_started", [
            ("id", .string(Self.newID())), ("node_id", "1705398420001"), ("node_type", .string(type)),
            ("title", .string(title)), ("index", 1), ("predecessor_node_id", .null), ("inputs", .object([])), ("created_at", .int(createdAt)),
        ])
    }

    /// A workflow's streamed text.
    public func textChunk(_ text: String) -> FakeDifyStep {
        workflow("text_chunk", [("text", .string(text)), ("from_variable_selector", .array(["1705398420001", "text"]))])
    }

    /// The end of a workflow run; `outputs` keep their order.
    public func workflowFinished(status: String = "succeeded", outputs: [(String, OrderedJSON)], error: String? = nil) -> FakeDifyStep {
        workflow("workflow_finished", Self.workflowResult(id: workflowRunID, status: status, outputs: outputs, error: error, createdAt: createdAt))
    }

    static func workflowResult(id: String, status: String, outputs: [(String, OrderedJSON)], error: String?, createdAt: Int) -> [(String, OrderedJSON)] {
        [
            ("id", .string(id)), ("workflow_id", "e46514f1-c008-41ff-94b0-4f33d4b97d36"), ("status", .string(status)),
            ("outputs", .object(outputs)), ("error", error.map(OrderedJSON.string) ?? .null), ("elapsed_time", .double(0.875)),
            ("total_tokens", 3562), ("total_steps", 8), ("created_at", .int(createdAt)), ("finished_at", .int(createdAt + 2)),
        ]
    }

    static func newID() -> String {
        UUID().uuidString.lowercased()
    }

    /// Waits for the stop API, as a stream that Dify is still generating would.
    public var untilStopped: FakeDifyStep { .untilStopped(task: taskID) }

    static let usage = OrderedJSON.object([
        ("prompt_tokens", 1033), ("completion_tokens", 135), ("total_tokens", 1168), ("total_price", "0.0013030"),
        ("currency", "USD"), ("latency", .double(1.38)),
    ])

    private func chat(_ event: String, _ fields: [(String, OrderedJSON)]) -> FakeDifyStep {
        var entries: [(String, OrderedJSON)] = [
            ("event", .string(event)), ("task_id", .string(taskID)), ("id", .string(messageID)), ("message_id", .string(messageID)),
            ("conversation_id", .string(conversationID)),
        ]
        for field in fields {
            if let index = entries.firstIndex(where: { $0.0 == field.0 }) {
                entries[index] = field
            } else {
                entries.append(field)
            }
        }
        entries.append(("created_at", .int(createdAt)))
        return .event(OrderedJSON.object(entries).text)
    }

    private func workflow(_ event: String, _ data: [(String, OrderedJSON)]) -> FakeDifyStep {
        .event(OrderedJSON.object([
            ("event", .string(event)), ("task_id", .string(taskID)), ("workflow_run_id", .string(workflowRunID)), ("data", .object(data)),
        ]).text)
    }
}
