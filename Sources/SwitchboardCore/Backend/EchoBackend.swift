import Foundation

/// Answers with the text it got, streamed in chunks of up to ten characters — for the demo, for
/// trying a platform integration before a real backend is set up, and for tests.
///
/// Config: `{type: echo, delay_ms: 0}`. `delay_ms` is waited before each chunk, which makes a slow
/// backend for tests; like a real model, a longer answer then takes longer. Each scope gets an
/// `echo-…` conversation id, so the conversation map and `/reset` can be seen working without Dify.
public struct EchoBackend: ChatBackend {
    /// The most characters one chunk carries.
    static let chunkCharacters = 10

    public var delay: Duration

    public init(delay: Duration = .zero) {
        self.delay = delay
    }

    public func respond(to request: BackendRequest) -> ReplyStream {
        let query = request.queryQuoting()
        let text = query.isEmpty ? "(empty message)" : query
        var chunks = Self.split(text, size: Self.chunkCharacters).map(ReplyChunk.delta)
        chunks.insert(.conversation(request.conversationID ?? "echo-\(UUID().uuidString.lowercased())"), at: 0)
        chunks.append(.end)
        return ReplyStream(DelayedChunks(chunks: chunks, delay: delay))
    }

    /// Splits at character boundaries into pieces of at most `size` characters.
    static func split(_ text: String, size: Int) -> [String] {
        let characters = Array(text)
        return stride(from: 0, to: characters.count, by: size).map {
            String(characters[$0..<min($0 + size, characters.count)])
        }
    }
}

public struct EchoBackendFactory: BackendFactory {
    public init() {}
    public var type: String { "echo" }

    public func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend {
        let delay = try config.int("delay_ms", default: 0, range: 0...600_000)
        return EchoBackend(delay: .milliseconds(delay))
    }
}

/// Yields the chunks, sleeping `delay` before each text chunk.
private struct DelayedChunks: AsyncSequence, Sendable {
    typealias Element = ReplyChunk
    let chunks: [ReplyChunk]
    let delay: Duration

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<ReplyChunk>
        let delay: Duration
        mutating func next() async throws -> ReplyChunk? {
            guard let chunk = remaining.popFirst() else { return nil }
            if case .delta = chunk, delay > .zero {
                try await Task.sleep(for: delay)
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(remaining: chunks[...], delay: delay)
    }
}
