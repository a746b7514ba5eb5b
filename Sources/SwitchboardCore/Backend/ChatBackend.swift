public import Logging

/// Something that answers: Dify, the echo backend, or a plugin's.
public protocol ChatBackend: Sendable {
    /// Starts answering. The stream yields text as it is produced and ends with `.end`; errors are
    /// thrown from the stream. Throw an error conforming to ``RetryableError`` with
    /// `isRetryable == false` for failures that a retry cannot fix (a bad API key).
    func respond(to request: BackendRequest) -> ReplyStream
}

/// What the engine asks a backend.
public struct BackendRequest: Sendable {
    /// The text to answer: the event's text, with a `prefix` trigger stripped.
    public var query: String
    /// A stable id for the sender, derived from platform, bot and sender id.
    public var user: String
    /// The backend conversation id stored for this route's scope, if any.
    public var conversationID: String?
    public var inputs: [String: String]
    public var files: [MediaReference]
    /// The routing rule that chose this backend.
    public var route: String
    /// The whole event, for backends that fill templates from it.
    public var event: ChatEvent

    public init(
        query: String,
        user: String,
        conversationID: String? = nil,
        inputs: [String: String] = [:],
        files: [MediaReference] = [],
        route: String,
        event: ChatEvent
    ) {
        self.query = query
        self.user = user
        self.conversationID = conversationID
        self.inputs = inputs
        self.files = files
        self.route = route
        self.event = event
    }
}

/// Builds a backend from its config section (`backends.<name>`), keyed by the section's `type:`.
/// A backend from another package registers the same way the built-in ones do.
public protocol BackendFactory: Sendable {
    /// The `type:` value this factory handles.
    var type: String { get }
    func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend
}

/// What a factory may use while building: the outbound transport and a logger. Building must not
/// touch the network; checks that need it run as services.
public struct FactoryEnvironment: Sendable {
    public var transport: any HTTPTransport
    public var logger: Logger

    public init(transport: any HTTPTransport, logger: Logger) {
        self.transport = transport
        self.logger = logger
    }
}

/// An error that knows whether trying again could help.
public protocol RetryableError: Error {
    var isRetryable: Bool { get }
}
