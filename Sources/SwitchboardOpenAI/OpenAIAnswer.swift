import Foundation
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardTelemetry

/// One answer from a Chat Completions API as a stream of reply chunks, read as it is produced.
/// The same recovery rules as Dify's: a 429, 5xx, network failure or time-out before any text is
/// retried with backoff; a refused key or request becomes the fallback text (and a log line saying
/// what to change); a stream cut after text was shown keeps that text and adds a notice. A whole
/// answer ends with the scope's updated history (`.conversation`), which the engine stores.
struct OpenAIAnswer: AsyncSequence, Sendable {
    typealias Element = ReplyChunk

    let backend: OpenAIBackend
    let request: BackendRequest

    func makeAsyncIterator() -> Iterator {
        Iterator(backend: backend, request: request)
    }

    static let interruptedNotice = "\n\n⚠️ 回答中断，请稍后重试。/ The answer was cut off; please try again."

    struct Iterator: AsyncIteratorProtocol {
        private let backend: OpenAIBackend
        private let request: BackendRequest
        private var configuration: OpenAIConfiguration { backend.configuration }
        private var body: HTTPBody.AsyncIterator?
        private var decoder = SSEDecoder()
        private var pending: [ReplyChunk] = []
        private var done = false
        private var failedAttempts = 0
        private var answer = ""
        private var reasoning = ""
        private var shownText = false

        init(backend: OpenAIBackend, request: BackendRequest) {
            self.backend = backend
            self.request = request
        }

        mutating func next() async throws -> ReplyChunk? {
            while pending.isEmpty {
                if done { return nil }
                do {
                    try await advance()
                } catch let error as OpenAIError {
                    try await recover(from: error)
                }
            }
            return pending.removeFirst()
        }

        private mutating func advance() async throws {
            guard var current = body else {
                body = try await start()
                return
            }
            let bytes: [UInt8]?
            do {
                bytes = try await current.next()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw OpenAIError(backend: configuration.name, kind: .network("the stream broke off"))
            }
            body = current
            guard let bytes else {
                throw OpenAIError(backend: configuration.name, kind: .network("the stream ended before [DONE]"))
            }
            for event in decoder.feed(bytes) where !done {
                try take(event.data)
            }
        }

        private func start() async throws -> HTTPBody.AsyncIterator {
            var headers = backend.headers()
            headers[.contentType] = "application/json"
            let outbound = OutboundRequest(
                method: .post, url: configuration.baseURL + "/chat/completions", headers: headers, body: try requestBody(), timeout: configuration.timeout
            )
            let response: OutboundResponse
            do {
                response = try await backend.transport.execute(outbound)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let timedOut = String(describing: error).lowercased().contains("timeout") || String(describing: error).lowercased().contains("deadline")
                throw OpenAIError(backend: configuration.name, kind: timedOut ? .timeout : .network(String(describing: type(of: error))))
            }
            guard response.status.kind == .successful else {
                let data = (try? await response.body.collect(upTo: 64 << 10)) ?? Data()
                let message = (try? JSONParser.parse(data))?["error"]?["message"]?.string ?? ""
                let status = response.status.code
                let kind: OpenAIError.Kind =
                    switch status {
                    case 401, 403: .keyRejected
                    case 429: .rateLimited
                    case 500...: .serverError(status)
                    default: .rejected(status, String(message.prefix(200)))
                    }
                throw OpenAIError(backend: configuration.name, kind: kind)
            }
            return response.body.makeAsyncIterator()
        }

        /// One `data:` payload: a chunk, `[DONE]`, or an error the stream carries.
        private mutating func take(_ data: String) throws {
            if data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
                finish()
                return
            }
            guard let json = try? JSONParser.parse(Data(data.utf8)) else {
                throw OpenAIError(backend: configuration.name, kind: .invalidResponse("a stream event that is not JSON"))
            }
            if let error = json["error"], error != .null {
                throw OpenAIError(backend: configuration.name, kind: .rejected(200, String((error["message"]?.string ?? "").prefix(200))))
            }
            guard let delta = json["choices"]?.array?.first?["delta"] else { return }
            if let thought = delta["reasoning_content"]?.string, !thought.isEmpty {
                reasoning += thought
            }
            if let text = delta["content"]?.string, !text.isEmpty {
                if !shownText, configuration.showThinking, !reasoning.isEmpty {
                    pending.append(.delta(Self.quoted(reasoning) + "\n\n"))
                }
                shownText = true
                answer += text
                pending.append(.delta(text))
            }
        }

        private mutating func finish() {
            done = true
            body = nil
            if configuration.historyTurns > 0 {
                let history = OpenAIHistory(stored: request.conversationID).adding(
                    .init(question: request.query, answer: answer), keepingTurns: configuration.historyTurns, characters: configuration.historyCharacters
                )
                pending.append(.conversation(history.stored))
            }
            pending.append(.end)
        }

        private mutating func recover(from error: OpenAIError) async throws {
            body = nil
            decoder = SSEDecoder()
            let labels = MetricLabels.backend(configuration.name)
            Meter.increment(MetricName.backendErrors, labels.with("kind", error.metricKind))
            let logger = backend.logger
            if shownText {
                logger.warning("\(error); the part already shown is kept")
                pending += [.delta(OpenAIAnswer.interruptedNotice), .end]
                done = true
                return
            }
            if error.isRetryable, failedAttempts < configuration.retries {
                failedAttempts += 1
                let delay = configuration.retryInitialDelay * (1 << Swift.min(failedAttempts - 1, 16)) * Double.random(in: 0.5...1.5)
                logger.warning("\(error); retry \(failedAttempts) of \(configuration.retries) in \(Int((delay / .milliseconds(1)).rounded())) ms")
                try await backend.sleep(delay)
                answer = ""
                reasoning = ""
                return
            }
            logger.error("\(error); the user gets the fallback text")
            Meter.increment(MetricName.backendFallbacks, labels)
            pending += [.delta(configuration.fallbackText), .end]
            done = true
        }

        private func requestBody() throws -> Data {
            var messages: [JSONValue] = []
            if let system = configuration.systemPrompt, !system.isEmpty {
                messages.append(.object(["role": .string("system"), "content": .string(system)]))
            }
            if configuration.historyTurns > 0 {
                for turn in OpenAIHistory(stored: request.conversationID).turns {
                    messages.append(.object(["role": .string("user"), "content": .string(turn.question)]))
                    messages.append(.object(["role": .string("assistant"), "content": .string(turn.answer)]))
                }
            }
            messages.append(.object(["role": .string("user"), "content": userContent()]))
            var body: [String: JSONValue] = [
                "model": .string(configuration.model), "messages": .array(messages), "stream": .bool(true),
                // A stable, pseudonymous end-user id (OpenAI's abuse monitoring); never a name.
                "user": .string(request.user),
            ]
            if let temperature = configuration.temperature { body["temperature"] = .number(temperature) }
            if let maxTokens = configuration.maxTokens { body["max_tokens"] = .number(Double(maxTokens)) }
            return JSONWriter.data(.object(body))
        }

        /// The question: plain text, or — with pictures attached — content parts, the text first and
        /// each picture an `image_url` with a `data:` URL (the model must take images). Other files
        /// have no place in this API: they are left out, and the log says so.
        private func userContent() -> JSONValue {
            let images = request.attachments.filter { $0.kind == .image || $0.mimeType.hasPrefix("image/") }
            for other in request.attachments where !images.contains(where: { $0.name == other.name && $0.size == other.size }) {
                backend.logger.notice("the OpenAI-compatible API takes pictures only; \(other.name) (\(other.mimeType)) is not sent")
            }
            // A quoted message goes before the question as a Markdown quote.
            let query = request.queryQuoting()
            guard !images.isEmpty else { return .string(query) }
            let text = request.query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? configuration.imageQuery : query
            var parts: [JSONValue] = [["type": "text", "text": .string(text)]]
            for image in images {
                guard let data = try? image.data() else { continue }
                parts.append(["type": "image_url", "image_url": ["url": .string("data:\(image.mimeType);base64,\(data.base64EncodedString())")]])
            }
            return .array(parts)
        }

        /// Reasoning shown as a Markdown quote.
        static func quoted(_ text: String) -> String {
            text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
        }
    }
}
