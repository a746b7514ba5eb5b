import SwitchboardCore

/// A Chat Completions call that failed, said for the operator with what to change; never the key.
struct OpenAIError: Error, Sendable, CustomStringConvertible, Equatable {
    enum Kind: Equatable {
        /// 401 or 403.
        case keyRejected
        /// 429.
        case rateLimited
        /// 5xx.
        case serverError(Int)
        /// Another 4xx (an unknown model, a bad parameter), or an error the stream carried.
        case rejected(Int, String)
        case network(String)
        /// No answer within `timeout`.
        case timeout
        /// A body that is not what these APIs send.
        case invalidResponse(String)
    }

    var backend: String
    var kind: Kind

    var isRetryable: Bool {
        switch kind {
        case .rateLimited, .serverError, .network, .timeout: true
        default: false
        }
    }

    /// The bounded `kind` label of `switchboard_backend_errors_total`.
    var metricKind: String {
        switch kind {
        case .keyRejected: "key_rejected"
        case .rateLimited: "rate_limited"
        case .serverError: "server_error"
        case .rejected: "rejected"
        case .network: "network"
        case .timeout: "timeout"
        case .invalidResponse: "invalid_response"
        }
    }

    var description: String {
        let key = "backends.\(backend)"
        switch kind {
        case .keyRejected: return "the OpenAI-compatible API refused the key of backend \(backend) (HTTP 401/403); check \(key).api_key"
        case .rateLimited: return "the OpenAI-compatible API rate-limited backend \(backend) (HTTP 429)"
        case .serverError(let status): return "the OpenAI-compatible API failed for backend \(backend) (HTTP \(status))"
        case .rejected(let status, let message):
            return "the OpenAI-compatible API refused the request of backend \(backend) (HTTP \(status)\(message.isEmpty ? "" : ": \(message)")); check \(key).model and its options"
        case .network(let what): return "cannot reach the OpenAI-compatible API of backend \(backend) at \(key).base_url: \(what)"
        case .timeout: return "no answer from backend \(backend) within \(key).timeout"
        case .invalidResponse(let what): return "backend \(backend) answered something that is not a Chat Completions response (\(what)); check \(key).base_url"
        }
    }
}
