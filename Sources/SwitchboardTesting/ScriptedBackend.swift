public import SwitchboardCore
import Synchronization

/// A backend that answers from a closure and records every request — for engine and end-to-end
/// tests that need a backend which is slow, fails, or waits for the test, on cue.
public final class ScriptedBackend: ChatBackend {
    public typealias Script = @Sendable (BackendRequest) async throws -> [ReplyChunk]

    private let script: Script
    private let received = Mutex<[BackendRequest]>([])
    private let resetsReceived = Mutex<[ConversationReset]>([])

    /// `script` returns the chunks to stream (end them with `.end`) or throws.
    public init(_ script: @escaping Script) {
        self.script = script
    }

    /// Answers every request with `text`.
    public convenience init(answer text: String) {
        self.init { _ in [.delta(text), .end] }
    }

    public func respond(to request: BackendRequest) -> ReplyStream {
        received.withLock { $0.append(request) }
        return ReplyStream(ScriptRun(script: script, request: request))
    }

    /// The requests so far, in order.
    public var requests: [BackendRequest] {
        received.withLock { $0 }
    }

    public func conversationReset(_ reset: ConversationReset) async {
        resetsReceived.withLock { $0.append(reset) }
    }

    /// The `/reset`s the engine passed on, in order.
    public var resets: [ConversationReset] {
        resetsReceived.withLock { $0 }
    }
}

/// Registers one ``ScriptedBackend`` under a `type:` name, so a configuration can use it.
public struct ScriptedBackendFactory: BackendFactory {
    public let type: String
    public let backend: ScriptedBackend

    public init(type: String, backend: ScriptedBackend) {
        self.type = type
        self.backend = backend
    }

    public func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend {
        backend
    }
}

/// Runs the script when first read, then yields its chunks.
private struct ScriptRun: AsyncSequence, Sendable {
    typealias Element = ReplyChunk
    let script: ScriptedBackend.Script
    let request: BackendRequest

    struct AsyncIterator: AsyncIteratorProtocol {
        let run: ScriptRun
        var chunks: [ReplyChunk]?
        var index = 0

        mutating func next() async throws -> ReplyChunk? {
            if chunks == nil { chunks = try await run.script(run.request) }
            guard let chunks, index < chunks.count else { return nil }
            defer { index += 1 }
            return chunks[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(run: self) }
}
