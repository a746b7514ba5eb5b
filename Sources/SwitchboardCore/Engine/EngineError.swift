/// Why the engine could not work on a job. These are configuration problems, not passing ones:
/// retrying does not help.
struct EngineError: Error, RetryableError, CustomStringConvertible {
    var description: String
    var isRetryable: Bool { false }

    static func noAdapter(bot: String) -> EngineError {
        EngineError(description: "no adapter for bot \(bot); was it removed from the configuration?")
    }

    static func noBackend(_ name: String) -> EngineError {
        EngineError(description: "no backend named \(name)")
    }
}

/// An error that came out of a backend's stream, as opposed to the adapter's delivery.
public struct BackendFailure: Error, RetryableError, CustomStringConvertible {
    public var backend: String
    public var underlying: any Error

    public var isRetryable: Bool {
        (underlying as? any RetryableError)?.isRetryable ?? true
    }

    public var description: String { "backend \(backend) failed: \(underlying)" }
}
