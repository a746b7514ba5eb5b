import Foundation

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
    /// A file the backend made (a report, a spreadsheet): sent as the platform's file message
    /// where it has one, else shown as a link under the answer.
    case file(AnswerFile)
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
    /// Files the backend made, in order.
    public var files: [AnswerFile]

    public init(markdown: String = "", citations: [Citation] = [], suggestions: [String] = [], files: [AnswerFile] = []) {
        self.markdown = markdown
        self.citations = citations
        self.suggestions = suggestions
        self.files = files
    }

    private enum CodingKeys: String, CodingKey {
        case markdown, citations, suggestions, files
    }

    /// Replies stored before files existed decode with none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        markdown = try container.decode(String.self, forKey: .markdown)
        citations = try container.decodeIfPresent([Citation].self, forKey: .citations) ?? []
        suggestions = try container.decodeIfPresent([String].self, forKey: .suggestions) ?? []
        files = try container.decodeIfPresent([AnswerFile].self, forKey: .files) ?? []
    }

    /// Folds one chunk into the reply.
    public mutating func apply(_ chunk: ReplyChunk) {
        switch chunk {
        case .delta(let text): markdown += text
        case .replace(let text): markdown = text
        case .citations(let list): citations = list
        case .suggestions(let list): suggestions = list
        case .file(let file): if !files.contains(file) { files.append(file) }
        case .conversation, .end: break
        }
    }

    /// The chunks that replay this reply.
    public var chunks: [ReplyChunk] {
        var chunks: [ReplyChunk] = [.delta(markdown)]
        if !citations.isEmpty { chunks.append(.citations(citations)) }
        if !suggestions.isEmpty { chunks.append(.suggestions(suggestions)) }
        chunks += files.map(ReplyChunk.file)
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

/// A file in an answer (Dify `message_file` of a type other than image): where to fetch it and the
/// name to show.
public struct AnswerFile: Sendable, Codable, Equatable, Hashable {
    public var url: String
    public var name: String

    public init(url: String, name: String) {
        self.url = url
        self.name = name
    }

    /// A file named by the last component of its URL's path (`report.pdf`), else `file`.
    public init(url: String) {
        let path = URL(string: url)?.path() ?? ""
        let last = path.split(separator: "/").last.map(String.init)?.removingPercentEncoding
        self.init(url: url, name: last.flatMap(ContentDisposition.sanitized) ?? "file")
    }
}
