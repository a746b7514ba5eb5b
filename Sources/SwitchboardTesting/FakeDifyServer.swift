import Foundation
public import SwitchboardCore
import Synchronization

/// A Dify on loopback that speaks the Service API over real HTTP (`platforms.md` §4): the far side
/// of every Dify test.
///
/// By itself it behaves like a small Dify app: it checks the bearer key (401 otherwise), refuses
/// the wrong route for its app mode (`not_chat_app`, agent apps in blocking mode), keeps
/// conversations per user (404 `Conversation Not Exists` for an unknown one) and answers
/// `You said: <query>` in two pieces. A test scripts anything else — chunks with pauses, pings,
/// errors mid-stream, 401/404/429/500, a slow head — with ``enqueue(_:)``; scripted replies answer
/// the next answer requests in order, then it goes back to behaving by itself.
///
/// ```swift
/// try await FakeDifyServer.withRunning(mode: "chat") { dify in
///     let events = FakeDifyEvents()
///     dify.enqueue(.stream([events.message("Hi"), events.messageEnd()]))
///     // point a backend at dify.baseURL with dify.apiKey …
///     let calls = try await dify.waitForCalls(count: 1)
/// }
/// ```
public final class FakeDifyServer: Sendable {
    /// The key the fake accepts.
    public let apiKey: String
    /// Dify's name for the app type: `chat`, `advanced-chat`, `agent-chat`, `workflow`, `completion`.
    public let mode: String
    let hasInfo: Bool
    private let state = Mutex(State())
    private let serverURL = Mutex("")

    struct State {
        var script: [FakeDifyReply] = []
        var calls: [FakeDifyCall] = []
        var stops: [FakeDifyCall] = []
        /// Conversation id ▸ the user it belongs to.
        var conversations: [String: String] = [:]
        var uploads: [FakeDifyUpload] = []
        /// Dify file `type`s the app does not accept (its 文件上传 feature leaves them out).
        var refusedFileTypes: Set<String> = []
        /// `/audio-to-text` requests: the part's MIME type and the user.
        var transcriptions: [(mimeType: String, user: String)] = []
    }

    init(apiKey: String, mode: String, hasInfo: Bool) {
        self.apiKey = apiKey
        self.mode = mode
        self.hasInfo = hasInfo
    }

    /// Starts a fake Dify app of `mode`, runs `body` with it, and stops it. `hasInfo: false` makes
    /// it an older Dify without `GET /info`.
    public static func withRunning<T: Sendable>(
        mode: String = "chat",
        apiKey: String = "app-fake-dify-key-0123456789",
        hasInfo: Bool = true,
        _ body: (FakeDifyServer) async throws -> T
    ) async throws -> T {
        let fake = FakeDifyServer(apiKey: apiKey, mode: mode, hasInfo: hasInfo)
        return try await LoopbackServer.withRunning(streaming: { await fake.respond(to: $0) }) { server in
            fake.serverURL.withLock { $0 = server.url }
            return try await body(fake)
        }
    }

    /// `http://127.0.0.1:<port>/v1`, what `base_url` is set to.
    public var baseURL: String { rootURL + "/v1" }
    /// `http://127.0.0.1:<port>`, the same without `/v1` (which the backend must add).
    public var rootURL: String { serverURL.withLock { $0 } }

    /// Scripts the answers to the next answer requests, in order.
    public func enqueue(_ replies: FakeDifyReply...) {
        state.withLock { $0.script += replies }
    }

    /// The answer requests (`POST /chat-messages`, `/workflows/run`, `/completion-messages`)
    /// received so far, refused ones (a wrong key) included.
    public var calls: [FakeDifyCall] { state.withLock { $0.calls } }

    /// The files uploaded so far (`POST /v1/files/upload`).
    public var uploads: [FakeDifyUpload] { state.withLock { $0.uploads } }

    /// The app refuses files of this Dify `type` (`image`, `document`, `audio`, `video`, `custom`)
    /// with 400 `invalid_param` "File validation failed", as an app without that type enabled does.
    public func refuseFiles(ofType type: String) {
        state.withLock { _ = $0.refusedFileTypes.insert(type) }
    }

    var refusedFileTypes: Set<String> { state.withLock { $0.refusedFileTypes } }

    /// What `/audio-to-text` was asked: (MIME type, user) per voice note.
    public var transcriptions: [(mimeType: String, user: String)] { state.withLock { $0.transcriptions } }

    func recordTranscription(_ mimeType: String, user: String) {
        state.withLock { $0.transcriptions.append((mimeType, user)) }
    }

    func recordUpload(_ upload: FakeDifyUpload) {
        state.withLock { $0.uploads.append(upload) }
    }

    /// The stop requests received so far.
    public var stops: [FakeDifyCall] { state.withLock { $0.stops } }

    /// Waits until `count` answer requests have arrived; throws after `timeout`.
    public func waitForCalls(count: Int, timeout: Duration = .seconds(30)) async throws -> [FakeDifyCall] {
        try await waitFor(count: count, timeout: timeout) { $0.calls }
    }

    /// Waits until `count` stop requests have arrived; throws after `timeout`.
    public func waitForStops(count: Int, timeout: Duration = .seconds(30)) async throws -> [FakeDifyCall] {
        try await waitFor(count: count, timeout: timeout) { $0.stops }
    }

    private func waitFor(count: Int, timeout: Duration, _ list: (State) -> [FakeDifyCall]) async throws -> [FakeDifyCall] {
        try await waitForCount(count, timeout: timeout) { state.withLock { list($0) } }
    }

    // MARK: - Serving

    func respond(to request: RecordedRequest) async -> LoopbackResponse {
        let call = FakeDifyCall(request)
        let parts = call.path.split(separator: "/").map(String.init)
        guard parts.first == "v1" else { return Self.error(404, "not_found", "The requested URL was not found on the server.") }
        let route = parts.dropFirst().joined(separator: "/")
        let isAnswer = call.method == "POST" && Self.answerRoutes.contains(route)
        if isAnswer { state.withLock { $0.calls.append(call) } }
        guard let authorization = call.authorization, authorization.hasPrefix("Bearer ") else {
            return Self.error(401, "unauthorized", "Authorization header must be provided and start with 'Bearer'")
        }
        guard authorization == "Bearer \(apiKey)" else {
            return Self.error(401, "unauthorized", "Access token is invalid")
        }
        switch (call.method, route) {
        case ("GET", "info") where hasInfo:
            return Self.json(200, OrderedJSON.object([
                ("name", "Fake app"), ("description", "A Dify app on loopback"), ("tags", .array([])), ("mode", .string(mode)),
                ("author_name", "tests"),
            ]).text)
        case ("GET", "parameters"):
            return Self.json(200, Self.parameters)
        case ("POST", "files/upload"):
            return upload(request)
        case ("POST", "audio-to-text"):
            return transcribe(request)
        case ("POST", _) where isAnswer:
            return refusal(ofFiles: call) ?? answer(call, route: route)
        case ("POST", _) where parts.last == "stop" && parts.count >= 4:
            // chat-messages/:task_id/stop, workflows/tasks/:task_id/stop, completion-messages/:task_id/stop
            var stop = call
            stop.task = parts[parts.count - 2]
            state.withLock { $0.stops.append(stop) }
            return Self.json(200, #"{"result":"success"}"#)
        default:
            return Self.error(404, "not_found", "The requested URL was not found on the server.")
        }
    }

    private func answer(_ call: FakeDifyCall, route: String) -> LoopbackResponse {
        let scripted = state.withLock { $0.script.isEmpty ? nil : $0.script.removeFirst() }
        switch scripted {
        case .stream(let steps, let headDelay)?:
            return stream(steps, headDelay: headDelay)
        case .json(let status, let body, let headDelay)?:
            var response = Self.json(status, body)
            response.headDelay = headDelay
            return response
        case .error(let status, let code, let message)?:
            return Self.error(status, code, message)
        case .standard?, nil:
            return standardAnswer(call, route: route)
        }
    }

    func stream(_ steps: [FakeDifyStep], headDelay: Duration = .zero) -> LoopbackResponse {
        let bytes = steps.map { step -> LoopbackResponse.Step in
            switch step {
            case .event(let json): .bytes(Array("data: \(json)\n\n".utf8))
            case .ping: .bytes(Array("event: ping\n\n".utf8))
            case .comment(let text): .bytes(Array(": \(text)\n".utf8))
            case .raw(let bytes): .bytes(bytes)
            case .pause(let duration): .pause(duration)
            case .wait(let gate): .wait { await gate.wait() }
            case .untilStopped(let task): .wait { await self.waitUntilStopped(task) }
            }
        }
        return LoopbackResponse(
            status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
            headDelay: headDelay, steps: bytes
        )
    }

    private func waitUntilStopped(_ task: String) async {
        try? await waitUntil("the stop of \(task)", timeout: .seconds(30)) { state.withLock { $0.stops.contains { $0.task == task } } }
    }

    func remember(conversation: String, user: String) {
        state.withLock { $0.conversations[conversation] = user }
    }

    func owner(of conversation: String) -> String? {
        state.withLock { $0.conversations[conversation] }
    }

    static func json(_ status: Int, _ body: String) -> LoopbackResponse {
        LoopbackResponse(status: .init(code: status), headers: [.contentType: "application/json"], steps: [.bytes(Array(body.utf8))])
    }

    /// Dify's error body.
    static func error(_ status: Int, _ code: String, _ message: String) -> LoopbackResponse {
        var response = json(status, OrderedJSON.object([("code", .string(code)), ("message", .string(message)), ("status", .int(status))]).text)
        if status == 401 { response.headers[.wwwAuthenticate] = #"Bearer realm="api""# }
        return response
    }

    static let answerRoutes: Set<String> = ["chat-messages", "workflows/run", "completion-messages"]

    static let parameters = OrderedJSON.object([
        ("opening_statement", ""), ("suggested_questions", .array([])),
        ("suggested_questions_after_answer", .object([("enabled", .bool(false))])),
        ("speech_to_text", .object([("enabled", .bool(false))])), ("text_to_speech", .object([("enabled", .bool(false))])),
        ("retriever_resource", .object([("enabled", .bool(true))])), ("annotation_reply", .object([("enabled", .bool(false))])),
        ("more_like_this", .object([("enabled", .bool(false))])), ("user_input_form", .array([])),
        ("sensitive_word_avoidance", .object([("enabled", .bool(false))])), ("file_upload", .object([])),
        ("system_parameters", .object([("file_size_limit", 15), ("image_file_size_limit", 10)])),
    ]).text
}

/// How the fake answers one answer request.
public enum FakeDifyReply: Sendable {
    /// What the fake does by itself (see ``FakeDifyServer``).
    case standard
    /// An SSE stream, its head sent after `headDelay`.
    case stream([FakeDifyStep], headDelay: Duration = .zero)
    /// A JSON body (a blocking answer, or an error body of your own).
    case json(status: Int = 200, String, headDelay: Duration = .zero)
    /// Dify's error body: `{"code", "message", "status"}`.
    case error(status: Int, code: String, message: String)
}

/// A request the fake received, its JSON body read.
public struct FakeDifyCall: Sendable {
    public var method: String
    /// As requested, `/v1/…`.
    public var path: String
    public var authorization: String?
    public var body: [String: JSONValue]
    /// The task a stop request names.
    public var task: String?

    init(_ request: RecordedRequest) {
        method = request.method
        path = request.path
        authorization = request.headers[.authorization]
        body = (try? JSONDecoder().decode([String: JSONValue].self, from: request.body)) ?? [:]
    }

    public var query: String? { body["query"]?.string }
    public var user: String? { body["user"]?.string }
    /// `nil` when the field is missing, `""` when the request asked for a new conversation.
    public var conversationID: String? { body["conversation_id"]?.string }
    public var responseMode: String? { body["response_mode"]?.string }
    public var inputs: [String: String] {
        guard case .object(let inputs)? = body["inputs"] else { return [:] }
        return inputs.compactMapValues(\.string)
    }
}
