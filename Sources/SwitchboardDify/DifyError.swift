import SwitchboardCore

/// What went wrong talking to Dify, said for the person who runs the bot: what happened and which
/// key to look at. Never the API key.
struct DifyError: Error, RetryableError, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// 401.
        case keyRejected
        /// 404 `Conversation Not Exists`, or a 400 about the conversation id.
        case conversationGone
        /// The app is not the kind `app:` says (`not_chat_app`, agent in blocking mode, …).
        case wrongApp(String)
        /// `app_unavailable`: not published, or its model not set up.
        case appUnavailable
        /// 429.
        case rateLimited
        /// 5xx.
        case serverError(Int)
        /// Another 4xx, or an error event the model produced (`provider_quota_exceeded`, …).
        case rejected(status: Int, code: String)
        /// Refused, reset, unreachable.
        case network(String)
        /// No answer in time: `connect`, `first_byte`, `idle` or `total`.
        case timeout(String)
        /// A body that is not what Dify sends.
        case invalidResponse(String)
        /// The workflow has no output named by `output_key` (the outputs it has).
        case missingOutput(String, known: String)
        /// The app does not take a file the user sent: its type is not enabled in the app's file
        /// upload feature (400 "File validation failed"), or Dify refused the upload (413, 415).
        case fileRefused(String)
        /// Speech-to-text refused the voice note (its format, or the app's feature is off).
        case voiceRefused(String)
    }

    var backend: String
    var kind: Kind
    var message: String?

    /// The bounded `kind` label of ``MetricName/backendErrors``.
    var metricKind: String {
        switch kind {
        case .keyRejected: "key_rejected"
        case .conversationGone: "conversation_gone"
        case .wrongApp: "wrong_app"
        case .appUnavailable: "app_unavailable"
        case .rateLimited: "rate_limited"
        case .serverError: "server_error"
        case .rejected: "rejected"
        case .network: "network"
        case .timeout: "timeout"
        case .invalidResponse: "invalid_response"
        case .missingOutput: "missing_output"
        case .fileRefused: "file_refused"
        case .voiceRefused: "voice_refused"
        }
    }

    var isRetryable: Bool {
        switch kind {
        case .rateLimited, .serverError, .network, .timeout: true
        default: false
        }
    }

    var description: String {
        let key = "backends.\(backend)"
        switch kind {
        case .keyRejected:
            return "Dify rejected the API key of backend \(backend) (HTTP 401); check \(key).api_key"
        case .conversationGone:
            return "Dify no longer knows the stored conversation of backend \(backend); a new one is started"
        case .wrongApp(let detail):
            return "the Dify app of backend \(backend) is not what \(key).app says (\(detail)); fix \(key).app"
        case .appUnavailable:
            return "the Dify app of backend \(backend) is unavailable (not published, or its model is not set up); check the app in Dify and \(key).app"
        case .rateLimited:
            return "Dify rate-limited backend \(backend) (HTTP 429)"
        case .serverError(let status):
            return "Dify failed for backend \(backend) (HTTP \(status))" + (message.map { ": \($0)" } ?? "")
        case .rejected(let status, let code):
            return "Dify refused the request of backend \(backend) (\(status) \(code))" + (message.map { ": \($0)" } ?? "")
        case .network(let detail):
            return "cannot reach Dify for backend \(backend) at \(key).base_url: \(detail)"
        case .timeout("connect"):
            // AsyncHTTPClient keeps retrying a refused connection until this limit, so a wrong
            // host or port ends here too.
            return "Dify did not answer backend \(backend) within the connect timeout; check that \(key).base_url is reachable, or raise \(key).timeouts.connect"
        case .timeout(let which):
            return "Dify did not answer backend \(backend) in time (\(which) timeout; see \(key).timeouts.\(which))"
        case .missingOutput(let output, let known):
            return "the workflow of backend \(backend) has no output \"\(output)\" (its outputs: \(known)); fix \(key).output_key"
        case .invalidResponse(let detail):
            return "backend \(backend) got a response that is not Dify's: \(detail); check \(key).base_url"
        case .fileRefused(let detail):
            return "the Dify app of backend \(backend) does not take the file the user sent (\(detail)); enable its type in the app's "
                + "Features ▸ File upload (文件上传) in Dify, or raise Dify's UPLOAD_FILE_SIZE_LIMIT"
        case .voiceRefused(let detail):
            return "Dify could not transcribe a voice note for backend \(backend) (\(detail)); turn on the app's speech-to-text (语音转文字) "
                + "with a model that supports it, or set \(key).speech_to_text: false"
        }
    }

    /// Reads a non-2xx body (`{"code", "message", "status"}`) into the right kind.
    static func fromResponse(backend: String, status: Int, payload: DifyPayload?) -> DifyError {
        let code = payload?.code ?? ""
        let message = payload?.message
        let lowered = (message ?? "").lowercased()
        let kind: Kind
        switch (status, code) {
        case (401, _): kind = .keyRejected
        case (404, _) where lowered.contains("conversation"): kind = .conversationGone
        case (400, "invalid_param") where lowered.contains("conversation"): kind = .conversationGone
        case (400, "invalid_param") where lowered.contains("file"): kind = .fileRefused(message ?? code)
        case (413, _), (415, _): kind = .fileRefused(message.map { "\(code): \($0)" } ?? (code.isEmpty ? "HTTP \(status)" : code))
        case (400, "invalid_param") where lowered.contains("blocking mode"): kind = .wrongApp("it is an agent app, which only streams")
        case (400, let code) where code.hasPrefix("not_"): kind = .wrongApp(code)
        case (400, "app_unavailable"): kind = .appUnavailable
        case (429, _): kind = .rateLimited
        case (500..., _): kind = .serverError(status)
        default: kind = .rejected(status: status, code: code.isEmpty ? "error" : code)
        }
        return DifyError(backend: backend, kind: kind, message: message)
    }
}
