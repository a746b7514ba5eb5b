import Synchronization

/// A backend's answer as it is produced: a type-erased sequence of ``ReplyChunk``s, read once.
public struct ReplyStream: AsyncSequence, Sendable {
    public typealias Element = ReplyChunk
    public typealias Failure = any Error

    private let makeNext: @Sendable () -> () async throws -> ReplyChunk?

    /// Wraps any sendable sequence of chunks.
    public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == ReplyChunk, Base.AsyncIterator: SendableMetatype {
        makeNext = {
            var iterator = base.makeAsyncIterator()
            return { try await iterator.next() }
        }
    }

    private init(makeNext: @escaping @Sendable () -> () async throws -> ReplyChunk?) {
        self.makeNext = makeNext
    }

    /// `first`, then this stream (a notice ahead of the backend's answer).
    public func prepending(_ first: [ReplyChunk]) -> ReplyStream {
        let rest = makeNext
        return ReplyStream(makeNext: {
            var index = 0
            let next = rest()
            return {
                guard index < first.count else { return try await next() }
                defer { index += 1 }
                return first[index]
            }
        })
    }

    /// This stream without its ``ReplyChunk/file(_:)`` chunks, each handed to `files` as it
    /// passes: for an adapter that sends an answer's files as messages of their own after the text
    /// (read `files.taken` once the stream is read), rather than as links under it.
    public func takingFiles(into files: AnswerFileCollector) -> ReplyStream {
        let base = makeNext
        return ReplyStream(makeNext: {
            let next = base()
            return {
                while let chunk = try await next() {
                    guard case .file(let file) = chunk else { return chunk }
                    files.add(file)
                }
                return nil
            }
        })
    }

    /// A stream of chunks that are already known.
    public init(chunks: [ReplyChunk]) {
        makeNext = {
            var index = 0
            return {
                guard index < chunks.count else { return nil }
                defer { index += 1 }
                return chunks[index]
            }
        }
    }

    /// Replays a finished reply.
    public init(reply: Reply) {
        self.init(chunks: reply.chunks)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let nextChunk: () async throws -> ReplyChunk?
        public mutating func next() async throws -> ReplyChunk? {
            try await nextChunk()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(nextChunk: makeNext())
    }

    /// Reads the stream to its end and returns the whole reply. Adapters that cannot stream use
    /// this. Throws ``ReplyIncomplete`` when the stream finishes without `.end`.
    public func collect() async throws -> Reply {
        var reply = Reply()
        var ended = false
        for try await chunk in self {
            if chunk == .end { ended = true }
            reply.apply(chunk)
        }
        guard ended else { throw ReplyIncomplete() }
        return reply
    }
}

/// The backend's stream finished without saying it was done.
public struct ReplyIncomplete: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "the backend's answer stopped before it was complete" }
}

/// The files taken out of a ``ReplyStream`` by ``ReplyStream/takingFiles(into:)``.
public final class AnswerFileCollector: Sendable {
    private let files = Mutex<[AnswerFile]>([])

    public init() {}

    /// The files seen so far, in order, each once.
    public var taken: [AnswerFile] { files.withLock { $0 } }

    func add(_ file: AnswerFile) {
        files.withLock { if !$0.contains(file) { $0.append(file) } }
    }
}
