import Foundation
import HTTPTypes
import Synchronization
public import SwitchboardCore

/// An OpenAI-compatible Chat Completions API on loopback, speaking the real wire format:
/// `POST /v1/chat/completions` streamed as `data: {chat.completion.chunk}` lines ending in
/// `data: [DONE]`, errors as `{"error": {"message", "type", "code"}}`, and `GET /v1/models`. By
/// default it answers "You said: <the last user message>" in two chunks; tests queue other
/// answers. Every completion request's JSON body is recorded.
public final class FakeOpenAIServer: Sendable {
    public enum Reply: Sendable {
        /// Streamed: reasoning chunks (`reasoning_content`), then content chunks, then [DONE].
        case stream(reasoning: [String] = [], content: [String])
        /// The content chunks, then the connection dropped (no [DONE]).
        case cut(content: [String])
        /// An error status with OpenAI's error body.
        case status(Int, message: String)
    }

    public let apiKey: String
    public let model: String
    private let state = Mutex<(queued: [Reply], calls: [[String: JSONValue]])>(([], []))
    private let serverURL = Mutex("")

    init(apiKey: String, model: String) {
        self.apiKey = apiKey
        self.model = model
    }

    public static func withRunning<T: Sendable>(
        apiKey: String = "sk-fake-openai-key-0123456789", model: String = "test-model", _ body: (FakeOpenAIServer) async throws -> T
    ) async throws -> T {
        let fake = FakeOpenAIServer(apiKey: apiKey, model: model)
        return try await LoopbackServer.withRunning(streaming: { fake.respond(to: $0) }) { server in
            fake.serverURL.withLock { $0 = server.url }
            return try await body(fake)
        }
    }

    /// `http://127.0.0.1:<port>/v1`, what `base_url` is set to.
    public var baseURL: String { serverURL.withLock { $0 } + "/v1" }

    public func enqueue(_ replies: Reply...) {
        state.withLock { $0.queued += replies }
    }

    /// The JSON bodies of the completion requests, in order.
    public var calls: [[String: JSONValue]] { state.withLock { $0.calls } }

    /// The `messages` of call `index` as (role, content) pairs.
    public func messages(ofCall index: Int) -> [(role: String, content: String)] {
        (calls[index]["messages"]?.array ?? []).map { ($0["role"]?.string ?? "", $0["content"]?.string ?? "") }
    }

    func respond(to request: RecordedRequest) -> LoopbackResponse {
        guard request.headers[.authorization] == "Bearer \(apiKey)" else {
            return Self.error(401, "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key")
        }
        switch (request.method, request.path) {
        case ("GET", "/v1/models"):
            return Self.json(200, #"{"object":"list","data":[{"id":"\#(model)","object":"model","owned_by":"tests"}]}"#)
        case ("POST", "/v1/chat/completions"):
            let body = (try? JSONParser.parse(request.body))?.object ?? [:]
            let reply = state.withLock { state -> Reply? in
                state.calls.append(body)
                return state.queued.isEmpty ? nil : state.queued.removeFirst()
            }
            guard body["model"]?.string == model else {
                return Self.error(404, "The model `\(body["model"]?.string ?? "")` does not exist.", type: "invalid_request_error", code: "model_not_found")
            }
            let last = body["messages"]?.array?.last?["content"]?.string ?? ""
            switch reply ?? .stream(content: ["You said: ", last]) {
            case .stream(let reasoning, let content):
                return stream(reasoning.map { (nil, $0) } + content.map { ($0, nil) }, done: true)
            case .cut(let content):
                return stream(content.map { ($0, nil) }, done: false)
            case .status(let status, let message):
                return Self.error(status, message, type: status == 429 ? "rate_limit_exceeded" : "server_error", code: nil)
            }
        default:
            return Self.json(404, #"{"error":{"message":"Not found","type":"invalid_request_error"}}"#)
        }
    }

    private func stream(_ pieces: [(content: String?, reasoning: String?)], done: Bool) -> LoopbackResponse {
        let id = "chatcmpl-\(UUID().uuidString.prefix(8))"
        func chunk(_ delta: String, finish: String? = nil) -> LoopbackResponse.Step {
            let finishText = finish.map { "\"\($0)\"" } ?? "null"
            return .bytes(Array(
                #"data: {"id":"\#(id)","object":"chat.completion.chunk","created":1718000000,"model":"\#(model)","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finishText)}]}"#
                    .appending("\n\n").utf8
            ))
        }
        func quoted(_ text: String) -> String { String(decoding: JSONWriter.data(.string(text)), as: UTF8.self) }
        var steps: [LoopbackResponse.Step] = [chunk(#"{"role":"assistant","content":""}"#)]
        for piece in pieces {
            if let reasoning = piece.reasoning { steps.append(chunk(#"{"reasoning_content":\#(quoted(reasoning))}"#)) }
            if let content = piece.content { steps.append(chunk(#"{"content":\#(quoted(content))}"#)) }
        }
        if done {
            steps.append(chunk("{}", finish: "stop"))
            steps.append(.bytes(Array("data: [DONE]\n\n".utf8)))
        } else {
            // A moment for the text to reach the client before the connection goes (under load the
            // drop could otherwise overtake it, and the test would see no text at all).
            steps.append(.pause(.milliseconds(200)))
            steps.append(.drop)
        }
        return LoopbackResponse(status: .ok, headers: [.contentType: "text/event-stream"], steps: steps)
    }

    static func json(_ status: Int, _ body: String) -> LoopbackResponse {
        LoopbackResponse(status: .init(code: status), headers: [.contentType: "application/json"], steps: [.bytes(Array(body.utf8))])
    }

    static func error(_ status: Int, _ message: String, type: String, code: String?) -> LoopbackResponse {
        let error: JSONValue = .object([
            "message": .string(message), "type": .string(type), "param": .null, "code": code.map(JSONValue.string) ?? .null,
        ])
        return json(status, String(decoding: JSONWriter.data(.object(["error": error])), as: UTF8.self))
    }
}
