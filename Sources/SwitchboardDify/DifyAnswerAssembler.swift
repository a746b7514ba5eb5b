import Foundation
import SwitchboardCore

/// Turns Dify's events — streamed one by one, or one blocking answer — into reply chunks:
/// `message`/`agent_message`/`text_chunk` text (reasoning filtered), `message_replace`,
/// `message_file` images, `message_end` citations, a workflow's outputs, and the end.
struct DifyAnswerAssembler {
    /// What an event means for the answer.
    enum Outcome: Equatable {
        case more
        case finished
        case failed(DifyError)
    }

    let configuration: DifyConfiguration
    private var filter: ThinkFilter
    /// Whether text has reached the user, so a failure now cannot be hidden by a retry.
    private(set) var shownText = false
    private(set) var taskID: String?
    /// Dify's id of the answer message (for the backend span).
    private(set) var messageID: String?
    private(set) var conversationID: String?
    private var announcedConversation: String?
    private var thoughtsShown: Set<String> = []

    init(configuration: DifyConfiguration) {
        self.configuration = configuration
        filter = ThinkFilter(mode: configuration.showThinking ? .quote : .drop)
    }

    /// Forgets the text of a failed attempt before the next one (nothing of it was shown).
    mutating func restart() {
        filter = ThinkFilter(mode: filter.mode)
        thoughtsShown = []
        taskID = nil
        messageID = nil
    }

    /// One streamed event.
    mutating func consume(_ payload: DifyPayload) -> (chunks: [ReplyChunk], outcome: Outcome) {
        var chunks = noteIDs(payload)
        switch payload.event {
        case "message", "agent_message":
            chunks += text(payload.answer ?? "")
        case "text_chunk":
            chunks += text(payload.data?.text ?? "")
        case "message_replace":
            // Moderation replaced the whole answer.
            var fresh = ThinkFilter(mode: filter.mode)
            let whole = fresh.filter(payload.answer ?? "") + fresh.finish()
            filter = ThinkFilter(mode: filter.mode)
            if !whole.isEmpty { filter.answerStarted() }
            shownText = shownText || !whole.isEmpty
            chunks.append(.replace(whole))
        case "agent_thought":
            chunks += thought(payload)
        case "message_file":
            chunks += file(payload)
        case "message_end":
            return (chunks + finish(citations: payload.citations), .finished)
        case "workflow_finished" where configuration.app == .workflow:
            return workflowFinished(payload, chunks: chunks)
        case "error":
            return (chunks, .failed(DifyError.fromResponse(backend: configuration.name, status: payload.status ?? 500, payload: payload)))
        default:
            break  // ping, workflow and node progress, TTS, events newer than this code
        }
        return (chunks, .more)
    }

    /// A blocking answer: the whole message (chat, completion) or the workflow's result.
    mutating func consumeBlocking(_ payload: DifyPayload) -> (chunks: [ReplyChunk], outcome: Outcome) {
        if configuration.app == .workflow {
            var chunks = noteIDs(payload)
            guard payload.data?.status != nil else {
                return (chunks, .failed(DifyError(backend: configuration.name, kind: .invalidResponse("a workflow answer without data.status"))))
            }
            let result = workflowFinished(payload, chunks: [])
            chunks += result.chunks
            return (chunks, result.outcome)
        }
        guard let answer = payload.answer else {
            return ([], .failed(DifyError(backend: configuration.name, kind: .invalidResponse("an answer without \"answer\""))))
        }
        let chunks = noteIDs(payload) + text(answer) + finish(citations: payload.citations)
        return (chunks, .finished)
    }

    /// Text held back at the end (a partial `<think>` tag that never completed).
    mutating func flush() -> [ReplyChunk] {
        let rest = filter.finish()
        return rest.isEmpty ? [] : [.delta(rest)]
    }

    // MARK: - Pieces

    private mutating func noteIDs(_ payload: DifyPayload) -> [ReplyChunk] {
        if let task = payload.taskID, !task.isEmpty { taskID = task }
        if let message = payload.messageID, !message.isEmpty { messageID = message }
        guard configuration.app.hasConversations, let id = payload.conversationID, !id.isEmpty else { return [] }
        conversationID = id
        guard id != announcedConversation else { return [] }
        announcedConversation = id
        return [.conversation(id)]
    }

    private mutating func text(_ delta: String) -> [ReplyChunk] {
        let visible = filter.filter(delta)
        guard !visible.isEmpty else { return [] }
        shownText = true
        return [.delta(visible)]
    }

    private mutating func finish(citations: [Citation]) -> [ReplyChunk] {
        var chunks = flush()
        if !citations.isEmpty { chunks.append(.citations(citations)) }
        chunks.append(.end)
        return chunks
    }

    /// A tool step of an agent, shown as a quote when `show_agent_thoughts` is on. Steps without a
    /// tool are the answer itself (it also arrives as `agent_message`), and Dify sends a step again
    /// when its observation comes in, so each step is shown once.
    private mutating func thought(_ payload: DifyPayload) -> [ReplyChunk] {
        guard configuration.showAgentThoughts, let tool = payload.tool, !tool.isEmpty else { return [] }
        let key = (payload.id ?? "") + "|" + tool
        guard thoughtsShown.insert(key).inserted else { return [] }
        var lines = ["> 🔧 \(tool)"]
        let thought = (payload.thought ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !thought.isEmpty {
            lines += thought.split(separator: "\n", omittingEmptySubsequences: false).map { "> \($0)" }
        }
        return text(lines.joined(separator: "\n") + "\n\n")
    }

    /// A picture or file a tool produced: a picture joins the Markdown as an image, any other file
    /// (document, audio, video) is an ``AnswerFile``. Dify sends a path without a host when its
    /// `FILES_URL` is not set; that path is resolved against the base URL.
    private mutating func file(_ payload: DifyPayload) -> [ReplyChunk] {
        guard payload.belongsTo != "user", let url = payload.url, !url.isEmpty else { return [] }
        guard payload.type == "image" else { return [.file(AnswerFile(url: absolute(url)))] }
        return text("\n\n![](\(absolute(url)))\n\n")
    }

    private func absolute(_ url: String) -> String {
        guard url.hasPrefix("/"), let base = URL(string: configuration.baseURL), let scheme = base.scheme, let host = base.host() else {
            return url
        }
        return "\(scheme)://\(host)" + (base.port.map { ":\($0)" } ?? "") + url
    }

    private mutating func workflowFinished(_ payload: DifyPayload, chunks: [ReplyChunk]) -> (chunks: [ReplyChunk], outcome: Outcome) {
        let status = payload.data?.status ?? "succeeded"
        guard status == "succeeded" else {
            let error = DifyError(
                backend: configuration.name, kind: .rejected(status: 200, code: "workflow_\(status)"), message: payload.data?.error
            )
            return (chunks, .failed(error))
        }
        var chunks = chunks
        if !shownText {
            switch workflowAnswer(payload) {
            case .success(let answer): chunks += text(answer)
            case .failure(let error): return (chunks, .failed(error))
            }
        }
        return (chunks + finish(citations: []), .finished)
    }

    /// The output named by `output_key`, else the first string output; an answer that is not text
    /// is shown as JSON.
    private func workflowAnswer(_ payload: DifyPayload) -> Result<String, DifyError> {
        let outputs = payload.data?.outputs ?? [:]
        let order = JSONKeyOrder.keys(in: payload.raw, at: ["data", "outputs"]) ?? outputs.keys.sorted()
        let key: String?
        if let wanted = configuration.outputKey {
            guard outputs[wanted] != nil else {
                let known = order.isEmpty ? "none" : order.joined(separator: ", ")
                return .failure(DifyError(backend: configuration.name, kind: .missingOutput(wanted, known: known)))
            }
            key = wanted
        } else {
            key = order.first { outputs[$0]?.string != nil } ?? order.first
        }
        guard let key, let value = outputs[key] else { return .success("") }
        if let text = value.string { return .success(text) }
        if case .null = value { return .success("") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return .success("```json\n\(json)\n```")
    }
}
