import Foundation
import HTTPTypes
import SwitchboardCore

/// Dify's Service API over ``HTTPTransport``: `POST /chat-messages`, `/workflows/run`,
/// `/completion-messages` (blocking or streaming), the stop endpoints, `GET /info` and
/// `/parameters`. `Authorization: Bearer <api key>`.
struct DifyClient: Sendable {
    let configuration: DifyConfiguration
    let transport: any HTTPTransport

    /// The body of an answer request.
    struct AnswerRequest: Encodable {
        /// Text inputs, and a workflow's file input (`file_input`).
        var inputs: [String: JSONValue]
        var query: String?
        var responseMode: String
        var conversationID: String?
        var user: String
        /// `[{type, transfer_method: local_file, upload_file_id}]` (or `remote_url` + `url`); left
        /// out when there are none.
        var files: [JSONValue]?

        enum CodingKeys: String, CodingKey {
            case inputs, query
            case responseMode = "response_mode"
            case conversationID = "conversation_id"
            case user, files
        }
    }

    var answerPath: String {
        switch configuration.app {
        case .chat, .chatflow, .agent: "/chat-messages"
        case .workflow: "/workflows/run"
        case .completion: "/completion-messages"
        }
    }

    func stopPath(task: String) -> String {
        switch configuration.app {
        case .chat, .chatflow, .agent: "/chat-messages/\(task)/stop"
        case .workflow: "/workflows/tasks/\(task)/stop"
        case .completion: "/completion-messages/\(task)/stop"
        }
    }

    /// Sends the request and returns the response once its head is in; a non-2xx status is thrown
    /// as a ``DifyError`` (its body read for the code and message).
    /// `stream`: the body is read by ``DifyEventReader``, which times its silences itself.
    func send(
        method: HTTPRequest.Method, path: String, body: Data? = nil, contentType: String = "application/json", stream: Bool = false
    ) async throws -> OutboundResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(configuration.apiKey)", .accept: "application/json, text/event-stream"]
        if body != nil { headers[.contentType] = contentType }
        let request = OutboundRequest(
            method: method, url: configuration.baseURL + path, headers: headers, body: body, timeout: configuration.timeouts.total,
            timesItsOwnReads: stream
        )
        let backend = configuration.name
        let transport = self.transport
        let response: OutboundResponse
        do {
            response = try await Deadline.run(within: configuration.timeouts.connect, backend: backend, timeout: "connect") {
                try await transport.execute(request)
            }
        } catch let error as DifyError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw DifyError(backend: backend, kind: Self.isTimeout(error) ? .timeout("total") : .network(Self.describe(error)))
        }
        guard response.status.kind == .successful else {
            let data = try? await Deadline.run(within: configuration.timeouts.idle, backend: backend, timeout: "idle") {
                try await response.body.collect(upTo: 64 * 1024)
            }
            let payload = data.flatMap(DifyPayload.decode)
            throw DifyError.fromResponse(backend: backend, status: response.status.code, payload: payload)
        }
        return response
    }

    /// Reads a whole JSON body (blocking answers, `/info`).
    func json(_ response: OutboundResponse) async throws -> DifyPayload {
        let backend = configuration.name
        let data = try await Deadline.run(within: configuration.timeouts.total, backend: backend, timeout: "total") {
            try await response.body.collect(upTo: 16 << 20)
        }
        guard let payload = DifyPayload.decode(data) else {
            throw DifyError(backend: backend, kind: .invalidResponse("the body is not JSON"))
        }
        return payload
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    static func isTimeout(_ error: any Error) -> Bool {
        String(describing: error).lowercased().contains("deadline") || String(describing: error).lowercased().contains("timeout")
    }
}

/// Runs an operation with a time limit, throwing a ``DifyError`` timeout when it is exceeded. The
/// operation is cancelled (AsyncHTTPClient reads stop on cancellation).
enum Deadline {
    static func run<T: Sendable>(
        within limit: Duration, backend: String, timeout: String, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DifyError(backend: backend, kind: .timeout(timeout))
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
