/// A piece of a backend's answer, in the order the backend produced it.
///
/// A stream ends with `.end`: a stream that finishes without it was cut short (a dropped
/// connection), and the engine treats that as a failure rather than delivering half an answer as
/// if it were whole.
public enum ReplyChunk: Sendable, Equatable {
    /// More Markdown, appended to what came before.
    case delta(String)
    /// The whole Markdown so far, replacing what came before (Dify `message_replace`).
    case replace(String)
    /// Sources the answer is based on.
    case citations([Citation])
    /// Follow-up questions the backend suggests.
    case suggestions([String])
    /// The backend's conversation id for this scope; the engine stores it for the next turn.
    case conversation(String)
    /// The backend has said everything.
    case end
}

/// What a backend says, platform-free: Markdown, citations and suggested follow-ups. Rendering it
/// for a platform is the adapter's job.
public struct Reply: Sendable, Codable, Equatable {
    public var markdown: String
    public var citations: [Citation]
    public var suggestions: [String]

    public init(markdown: String = "", citations: [Citation] = [], suggestions: [String] = []) {
        self.markdown = markdown
        self.citations = citations
        self.suggestions = suggestions
    }

    /// Folds one chunk into the reply.
    public mutating func apply(_ chunk: ReplyChunk) {
        switch chunk {
        case .delta(let text): markdown += text
        case .replace(let text): markdown = text
        case .citations(let list): citations = list
        case .suggestions(let list): suggestions = list
        case .conversation, .end: break
        }
    }

    /// The chunks that replay this reply.
    public var chunks: [ReplyChunk] {
        var chunks: [ReplyChunk] = [.delta(markdown)]
        if !citations.isEmpty { chunks.append(.citations(citations)) }
        if !suggestions.isEmpty { chunks.append(.suggestions(suggestions)) }
        chunks.append(.end)
        return chunks
    }
}

/// A source an answer is based on (Dify `retriever_resources`).
public struct Citation: Sendable, Codable, Equatable, Hashable {
    /// The document name.
    public var title: String
    public var url: String?
    public var snippet: String?
    public var score: Double?

    public init(title: String, url: String? = nil, snippet: String? = nil, score: Double? = nil) {
        self.title = title
        self.url = url
        self.snippet = snippet
        self.score = score
    }
}
