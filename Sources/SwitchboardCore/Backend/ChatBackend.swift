public import Foundation
public import Logging
public import Tracing

/// Something that answers: Dify, the echo backend, or a plugin's.
public protocol ChatBackend: Sendable {
    /// Starts answering. The stream yields text as it is produced and ends with `.end`; errors are
    /// thrown from the stream. Throw an error conforming to ``RetryableError`` with
    /// `isRetryable == false` for failures that a retry cannot fix (a bad API key).
    func respond(to request: BackendRequest) -> ReplyStream

    /// A user asked to start over (`/reset`); the stored conversation id is already forgotten.
    /// A backend stops what it is still generating for that conversation.
    func conversationReset(_ reset: ConversationReset) async

    /// Checks that the backend is reachable and configured right (`switchboard check --online`).
    func checkOnline() async -> BackendCheck
}

extension ChatBackend {
    public func conversationReset(_ reset: ConversationReset) async {}
    public func checkOnline() async -> BackendCheck { BackendCheck(status: .notChecked, detail: "this backend has no online check") }
}

/// Which conversation a `/reset` ended.
public struct ConversationReset: Sendable, Equatable {
    /// The user id the backend knows the sender by (as in ``BackendRequest/user``).
    public var user: String
    /// The backend conversation id that was stored, if any.
    public var conversationID: String?
    /// The scope key that was reset (as in ``BackendRequest/scope``). Only answers of this scope
    /// are stopped: the same user may be talking to the backend in other chats at the same time.
    public var scope: String

    public init(user: String, conversationID: String?, scope: String) {
        self.user = user
        self.conversationID = conversationID
        self.scope = scope
    }
}

/// The result of an online check, for people.
public struct BackendCheck: Sendable, Equatable {
    public enum Status: String, Sendable {
        case reachable
        case keyRejected = "key_rejected"
        case wrongAppType = "wrong_app_type"
        case unreachable
        case notChecked = "not_checked"
    }

    public var status: Status
    public var detail: String

    public init(status: Status, detail: String) {
        self.status = status
        self.detail = detail
    }
}

/// What the engine asks a backend.
public struct BackendRequest: Sendable {
    /// The text to answer: the event's text, with a `prefix` trigger stripped.
    public var query: String
    /// A stable id for the sender, derived from platform, bot and sender id
    /// (`wecom:wecom-app:zhangsan`). Under a `per_chat` scope the chat is the user
    /// (`wecom:wecom-app:chat:<chat id>`), so everyone in it continues the same conversation.
    public var user: String
    /// The backend conversation id stored for this route's scope, if any.
    public var conversationID: String?
    /// When that conversation was last used (for backends that start over after a while).
    public var conversationLastUsed: Date?
    public var inputs: [String: String]
    public var files: [MediaReference]
    /// What the user sent besides text, downloaded by the bot's adapter (``MediaFetching``) when
    /// the engine began this answer. Voice with the platform's transcript is not among them (the
    /// transcript is the text).
    public var attachments: [MediaFile] = []
    /// The routing rule that chose this backend.
    public var route: String
    /// The conversation scope key this answer belongs to (`<backend>|<bot>|user:<id>|chat:<id>`):
    /// what a `/reset` names in ``ConversationReset/scope``.
    public var scope: String
    /// The whole event, for backends that fill templates from it.
    public var event: ChatEvent
    /// The text of the message the user replied to or quoted (from the event, or fetched from the
    /// platform), at most ``BackendRequest/quoteLimit`` characters; nil when there is none. A
    /// backend passes it as an input of its own or puts it before the query
    /// (``queryQuoting(maxCharacters:)``).
    public var quote: String?
    /// The `switchboard.backend` span the engine opened for this answer (ended by the engine when
    /// the answer ends): a backend adds what it learns — Dify its task and message ids — as
    /// attributes. Nil outside the engine.
    public var span: (any Span)?

    public init(
        query: String,
        user: String,
        conversationID: String? = nil,
        conversationLastUsed: Date? = nil,
        inputs: [String: String] = [:],
        files: [MediaReference] = [],
        route: String,
        scope: String = "",
        event: ChatEvent
    ) {
        self.query = query
        self.user = user
        self.conversationID = conversationID
        self.conversationLastUsed = conversationLastUsed
        self.inputs = inputs
        self.files = files
        self.route = route
        self.scope = scope
        self.event = event
    }

    /// The most characters of a quote the engine passes on.
    public static let quoteLimit = 4000

    /// The query with the quote before it as a Markdown quote, cut to `maxCharacters` (with `…`):
    /// `> 下周二上线\n\n这个时间来得及吗？`. The query alone when there is no quote.
    public func queryQuoting(maxCharacters: Int = 1000) -> String {
        guard let quote, !quote.isEmpty, maxCharacters > 0 else { return query }
        let cut = quote.count > maxCharacters ? String(quote.prefix(maxCharacters)) + "…" : quote
        let quoted = cut.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
        return quoted + "\n\n" + query
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
