import Foundation
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardTelemetry

/// One answer from Dify as a stream of reply chunks, read as Dify produces it. It owns the
/// recovery rules: a forgotten conversation is started afresh once; a 429, 5xx, network failure
/// or timeout before any text is retried with backoff; a failure nothing can fix becomes the
/// fallback text; a failure after text was shown keeps that text and adds a notice.
struct DifyAnswer: AsyncSequence, Sendable {
    typealias Element = ReplyChunk

    let backend: DifyBackend
    let request: BackendRequest

    func makeAsyncIterator() -> Iterator {
        Iterator(backend: backend, request: request)
    }

    /// The wait before retry `attempt` (1-based): exponential from `initial`, with jitter in
    /// [½, 1½] so that replicas that failed together do not retry together.
    static func backoff(initial: Duration, attempt: Int, jitter: Double = Double.random(in: 0.5...1.5)) -> Duration {
        initial * (1 << Swift.min(attempt - 1, 16)) * jitter
    }

    /// The user's answer when the app does not take what they sent.
    static let fileRefusedNotice = "抱歉，这个应用不接受你发送的这类文件。请联系管理员在 Dify 应用的「文件上传」设置中开启该类型。"

    /// The user's answer when their voice note could not be turned into text.
    static let voiceRefusedNotice = "抱歉，没能识别这段语音，请改发文字。"

    /// Appended when the answer broke off after part of it was shown.
    static let interruptedNotice = "\n\n⚠️ 回答中断，请稍后重试。/ The answer was cut off; please try again."

    struct Iterator: AsyncIteratorProtocol {
        private let backend: DifyBackend
        private let request: BackendRequest
        private var configuration: DifyConfiguration { backend.configuration }
        /// The conversation to continue; nil starts a new one.
        private var conversationID: String?
        private var assembler: DifyAnswerAssembler
        private var reader: DifyEventReader?
        private var pending: [ReplyChunk] = []
        private var done = false
        private var failedAttempts = 0
        private var registration: InFlightAnswers.Registration?
        private var tracedTaskID: String?
        private var tracedMessageID: String?
        /// The request's `files`, once the attachments are uploaded (a retry does not upload again).
        private var files: [JSONValue]?
        /// What speech-to-text heard in the voice notes (with `speech_to_text` on).
        private var heard: [String] = []

        init(backend: DifyBackend, request: BackendRequest) {
            self.backend = backend
            self.request = request
            conversationID = backend.conversationToContinue(request)
            assembler = DifyAnswerAssembler(configuration: backend.configuration)
        }

        mutating func next() async throws -> ReplyChunk? {
            while pending.isEmpty {
                if done {
                    registration = nil
                    return nil
                }
                do {
                    try await advance()
                } catch let error as DifyError {
                    try await recover(from: error)
                }
            }
            return pending.removeFirst()
        }

        private mutating func advance() async throws {
            if registration == nil {
                registration = backend.inFlight.register(user: request.user, scope: request.scope, conversationID: conversationID)
            }
            guard let reader else {
                try await start()
                return
            }
            guard let payload = try await reader.next() else {
                throw DifyError(backend: configuration.name, kind: .network("the stream ended before the answer did"))
            }
            try await take(assembler.consume(payload))
        }

        private mutating func start() async throws {
            if files == nil {
                var uploaded: [JSONValue] = []
                for file in request.attachments {
                    if file.kind == .audio, configuration.speechToText {
                        heard.append(try await backend.client.transcribe(file, user: request.user))
                    } else {
                        uploaded.append(try await backend.client.entry(for: file, user: request.user))
                    }
                }
                files = uploaded
            }
            let deadline = ContinuousClock.now + configuration.timeouts.total
            let response = try await backend.client.send(method: .post, path: backend.client.answerPath, body: requestBody(), stream: configuration.streaming)
            if configuration.streaming {
                reader = DifyEventReader(response, configuration: configuration, deadline: deadline)
            } else {
                try await take(assembler.consumeBlocking(backend.client.json(response)))
            }
        }

        /// Queues what an event produced; throws the failure it reported.
        private mutating func take(_ result: (chunks: [ReplyChunk], outcome: DifyAnswerAssembler.Outcome)) async throws {
            var chunks = result.chunks
            noteIDs()
            if let registration {
                let state = registration.update(taskID: assembler.taskID, conversationID: assembler.conversationID)
                if let task = state.stopTask {
                    await backend.stop(task: task, user: request.user)
                }
                if state.reset {
                    // `/reset` ended this conversation while it answered: do not bring it back.
                    chunks.removeAll { if case .conversation = $0 { true } else { false } }
                }
            }
            pending += chunks
            switch result.outcome {
            case .more:
                break
            case .finished:
                done = true
                reader = nil
            case .failed(let error):
                throw error
            }
        }

        /// Dify's task and message ids on the backend span, once known.
        private mutating func noteIDs() {
            guard let span = request.span else { return }
            if let task = assembler.taskID, task != tracedTaskID {
                tracedTaskID = task
                span.attributes[SpanAttributeKey.difyTaskID] = task
            }
            if let message = assembler.messageID, message != tracedMessageID {
                tracedMessageID = message
                span.attributes[SpanAttributeKey.difyMessageID] = message
            }
        }

        private mutating func recover(from error: DifyError) async throws {
            reader = nil
            let logger = backend.logger
            let labels = MetricLabels.backend(configuration.name)
            Meter.increment(MetricName.backendErrors, labels.with("kind", error.metricKind))
            if assembler.shownText {
                logger.warning("\(error); the part already shown is kept")
                pending += assembler.flush() + [.delta(DifyAnswer.interruptedNotice), .end]
                done = true
                return
            }
            if error.kind == .conversationGone, conversationID != nil {
                logger.notice("\(error)")
                conversationID = nil
                assembler.restart()
                return
            }
            if case .fileRefused = error.kind {
                logger.error("\(error)")
                pending += [.delta(DifyAnswer.fileRefusedNotice), .end]
                done = true
                return
            }
            if case .voiceRefused = error.kind {
                logger.error("\(error)")
                pending += [.delta(DifyAnswer.voiceRefusedNotice), .end]
                done = true
                return
            }
            if error.isRetryable, failedAttempts < configuration.retries {
                failedAttempts += 1
                let delay = backoff(attempt: failedAttempts)
                logger.warning("\(error); retry \(failedAttempts) of \(configuration.retries) in \(Int((delay / .milliseconds(1)).rounded())) ms")
                try await backend.sleep(delay)
                assembler.restart()
                return
            }
            logger.error("\(error); the user gets the fallback text")
            Meter.increment(MetricName.backendFallbacks, labels)
            pending += [.delta(configuration.fallbackText), .end]
            done = true
        }

        private func backoff(attempt: Int) -> Duration {
            DifyAnswer.backoff(initial: configuration.retryInitialDelay, attempt: attempt)
        }

        private func requestBody() throws -> Data {
            var inputs: [String: JSONValue] = [:]
            for (name, template) in configuration.inputs { inputs[name] = .string(template.fill(from: request.event)) }
            inputs.merge(request.inputs.mapValues(JSONValue.string)) { _, given in given }
            var files = self.files ?? []
            // The quoted message: an input of the app's, or a Markdown quote before the query.
            var asked = request
            if let quote = request.quote, configuration.quoteMaxCharacters > 0 {
                let cut = quote.count > configuration.quoteMaxCharacters ? String(quote.prefix(configuration.quoteMaxCharacters)) + "…" : quote
                if let quoteInput = configuration.quoteInput {
                    inputs[quoteInput] = .string(cut)
                } else {
                    asked.query = request.queryQuoting(maxCharacters: configuration.quoteMaxCharacters)
                }
            }
            let spoken = ([asked.query] + heard).filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.joined(separator: "\n")
            var query: String? = spoken
            let others = request.attachments.filter { !($0.kind == .audio && configuration.speechToText) }
            if spoken.isEmpty, !others.isEmpty {
                query = others.allSatisfy { $0.kind == .image } ? configuration.imageQuery : configuration.fileQuery
            }
            switch configuration.app {
            case .chat, .chatflow, .agent:
                break
            case .workflow:
                inputs[configuration.queryInput] = query.map(JSONValue.string)
                query = nil
                // platforms-2.md §4.5: a workflow's files go inside `inputs`, under its file
                // variable — one object for a single-file input, a list for a file-list one.
                if let fileInput = configuration.fileInput, !files.isEmpty {
                    if configuration.fileInputList {
                        inputs[fileInput] = .array(files)
                    } else {
                        if files.count > 1 {
                            backend.logger.notice("the workflow's file input \(fileInput) takes one file; the first of \(files.count) is passed (set file_input_list: true for a file-list input)")
                        }
                        inputs[fileInput] = files[0]
                    }
                    files = []
                }
            case .completion:
                // Older Dify reads the input, newer also the top-level query.
                inputs[configuration.queryInput] = query.map(JSONValue.string)
            }
            let body = DifyClient.AnswerRequest(
                inputs: inputs, query: query, responseMode: configuration.streaming ? "streaming" : "blocking",
                conversationID: configuration.app.hasConversations ? (conversationID ?? "") : nil, user: request.user,
                files: files.isEmpty ? nil : files
            )
            return try JSONEncoder().encode(body)
        }
    }
}
