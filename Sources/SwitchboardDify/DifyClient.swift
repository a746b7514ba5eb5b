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
    func send(method: HTTPRequest.Method, path: String, body: Data? = nil, contentType: String = "application/json") async throws -> OutboundResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(configuration.apiKey)", .accept: "application/json, text/event-stream"]
        if body != nil { headers[.contentType] = contentType }
        let request = OutboundRequest(
            method: method, url: configuration.baseURL + path, headers: headers, body: body, timeout: configuration.timeouts.total
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

/// Dify's SSE stream, read event by event with the first-byte, idle and total timeouts.
final class DifyEventReader: @unchecked Sendable {
    // One consumer at a time: `next()` is awaited before it is called again, and the body iterator
    // is only touched inside the deadline task that `next()` waits for.
    private var body: HTTPBody.AsyncIterator
    private var decoder = SSEDecoder()
    private var ready: [SSEDecoder.Event] = []
    private var sawFirstByte = false
    private var finished = false
    private let configuration: DifyConfiguration
    private let deadline: ContinuousClock.Instant

    /// `deadline`: when the whole exchange must be over (`timeouts.total` after the request).
    init(_ response: OutboundResponse, configuration: DifyConfiguration, deadline: ContinuousClock.Instant) {
        self.body = response.body.makeAsyncIterator()
        self.configuration = configuration
        self.deadline = deadline
    }

    /// The next event's JSON, or nil at the end of the stream. Data that is not JSON is skipped.
    func next() async throws -> DifyPayload? {
        while true {
            if !ready.isEmpty {
                let event = ready.removeFirst()
                guard let payload = DifyPayload.decode(Data(event.data.utf8)) else { continue }
                return payload
            }
            guard !finished else { return nil }
            guard let chunk = try await readChunk() else {
                finished = true
                continue
            }
            sawFirstByte = true
            ready += decoder.feed(chunk)
        }
    }

    private func readChunk() async throws -> [UInt8]? {
        var limit = sawFirstByte ? configuration.timeouts.idle : configuration.timeouts.firstByte
        var which = sawFirstByte ? "idle" : "first_byte"
        let left = ContinuousClock.now.duration(to: deadline)
        if left < limit {
            limit = max(left, .zero)
            which = "total"
        }
        do {
            return try await Deadline.run(within: limit, backend: configuration.name, timeout: which) {
                try await self.body.next()
            }
        } catch let error as DifyError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let kind: DifyError.Kind = DifyClient.isTimeout(error) ? .timeout("total") : .network(DifyClient.describe(error))
            throw DifyError(backend: configuration.name, kind: kind)
        }
    }
}
