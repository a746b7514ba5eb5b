import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTelemetry

/// The Open API (`open.feishu.cn` / `open.larksuite.com`) over ``HTTPTransport``: JSON in,
/// `{"code", "msg", "data"}` out (platforms.md §2c). A rate-limited call (HTTP 429 or code
/// 99991400) waits as long as `x-ogw-ratelimit-reset` says and is tried again, a few times.
struct FeishuAPI: Sendable {
    static let feishuHost = "https://open.feishu.cn"
    static let larkHost = "https://open.larksuite.com"
    static let timeout: Duration = .seconds(15)
    static let rateLimitAttempts = 3
    static let longestRateLimitWait: Duration = .seconds(10)

    /// Where the API lives (tests point it at a loopback server).
    let host: String
    let botID: String

    /// One call. `token` goes in `Authorization: Bearer`; `path` may carry a query.
    func call(
        _ method: HTTPRequest.Method, _ path: String, api: String, token: String?, body: Data?, transport: any HTTPTransport
    ) async throws -> [String: JSONValue] {
        try await Self.exchange(method, url: host + path, api: api, botID: botID, token: token, body: body, transport: transport)
    }

    /// A multipart upload (images, files), with the rate-limit waits.
    func upload(_ path: String, api: String, token: String, body: Data, contentType: String, transport: any HTTPTransport) async throws -> [String: JSONValue] {
        try await Self.exchange(.post, url: host + path, api: api, botID: botID, token: token, body: body, contentType: contentType, transport: transport)
    }

    /// One call to a full URL (a custom bot's webhook), with the rate-limit waits.
    static func exchange(
        _ method: HTTPRequest.Method, url: String, api: String, botID: String, token: String?, body: Data?,
        contentType: String = "application/json; charset=utf-8", transport: any HTTPTransport
    ) async throws -> [String: JSONValue] {
        var headers: HTTPFields = [:]
        if body != nil { headers[.contentType] = contentType }
        if let token { headers[.authorization] = "Bearer \(token)" }
        let request = OutboundRequest(method: method, url: url, headers: headers, body: body, timeout: timeout)
        var attempt = 1
        while true {
            do {
                return try await once(request, api: api, botID: botID, transport: transport)
            } catch let error as FeishuAPIError where error.rateLimitWait != nil && attempt < rateLimitAttempts {
                try await Task.sleep(for: min(error.rateLimitWait!, longestRateLimitWait))
                attempt += 1
            }
        }
    }

    /// One attempt, counted in the platform-call metrics.
    private static func once(_ request: OutboundRequest, api: String, botID: String, transport: any HTTPTransport) async throws -> [String: JSONValue] {
        do {
            let object = try await attempt(request, api: api, botID: botID, transport: transport)
            PlatformCallMetrics.record(bot: botID, platform: FeishuAdapterFactory.platformName, api: api, errorCode: nil)
            return object
        } catch let error as FeishuAPIError {
            PlatformCallMetrics.record(bot: botID, platform: FeishuAdapterFactory.platformName, api: api, errorCode: error.metricCode)
            throw error
        }
    }

    private static func attempt(_ request: OutboundRequest, api: String, botID: String, transport: any HTTPTransport) async throws -> [String: JSONValue] {
        let response: OutboundResponse
        let data: Data
        do {
            response = try await transport.execute(request)
            data = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw FeishuAPIError(botID: botID, api: api, kind: .network(String(describing: type(of: error))))
        }
        let object = (try? JSONParser.parse(data))?.object
        // Feishu answers many errors with HTTP 400 and a JSON code; the code says more than the status.
        let code: Int? = (object?["code"] ?? object?["StatusCode"])?.integer
        let reset = response.headers[HTTPField.Name("x-ogw-ratelimit-reset")!].flatMap(Double.init).map { Duration.seconds(max(0, $0)) }
        if response.status.code == 429 || code == FeishuAPIError.rateLimited {
            throw FeishuAPIError(botID: botID, api: api, kind: .rateLimited(reset ?? .seconds(1)))
        }
        if let code, code != 0 {
            var error = FeishuAPIError(botID: botID, api: api, kind: .code(code, object?["msg"]?.string ?? object?["StatusMessage"]?.string ?? ""))
            error.status = response.status.code
            throw error
        }
        guard response.status.kind == .successful else { throw FeishuAPIError(botID: botID, api: api, kind: .http(response.status.code)) }
        guard let object else { throw FeishuAPIError(botID: botID, api: api, kind: .notJSON) }
        return object
    }
}

/// An Open API call that failed, said for the operator: which bot, which API, Feishu's code and
/// what to do. Never a token or a secret. The meanings of codes other than 99991400 come from
/// third-party code (platforms.md §7.8): they only choose advice and retry, never drop a reply
/// silently.
struct FeishuAPIError: Error, RetryableError, CustomStringConvertible, Equatable {
    enum Kind: Equatable {
        case network(String)
        case http(Int)
        case notJSON
        case rateLimited(Duration)
        case code(Int, String)
    }

    static let rateLimited = 99991400
    static let botNotInChat = 230002

    var botID: String
    var api: String
    var kind: Kind
    /// The HTTP status the code came with: a 5xx is Feishu's own trouble, whatever the code.
    var status = 200

    var code: Int? {
        if case .code(let code, _) = kind { return code }
        return nil
    }

    var rateLimitWait: Duration? {
        if case .rateLimited(let wait) = kind { return wait }
        return nil
    }

    /// The codes this adapter knows (platforms.md §2), as metric labels; any other is `other`.
    static let knownCodes: Set<Int> = [10003, 10014, 11232, 19021, 19022, 19024, 230002, 230020, 99991661, 99991663, 99991672]

    /// The bounded `code` label of ``MetricName/platformErrors``.
    var metricCode: String {
        switch kind {
        case .network: "network"
        case .http(let status): "http_\(status)"
        case .notJSON: "invalid"
        case .rateLimited: "rate_limited"
        case .code(let code, _): PlatformCallMetrics.label(forCode: code, known: Self.knownCodes)
        }
    }

    var isRetryable: Bool {
        switch kind {
        case .network, .notJSON, .rateLimited: true
        case .http(let status): status >= 500
        // 230020: the chat's send frequency; 11232: a custom bot's.
        case .code(let code, _): status >= 500 || code == 230020 || code == 11232 || code == 99991663 || code == 99991661
        }
    }

    /// The tenant token is missing or stale: refresh once and retry.
    var isTokenRejected: Bool {
        [99991663, 99991661].contains(code ?? 0)
    }

    var description: String {
        let key = "bots.\(botID)"
        switch kind {
        case .network(let what): return "cannot reach Feishu for bot \(botID) (\(api)): \(what)"
        case .http(let status): return "Feishu answered HTTP \(status) to \(api) for bot \(botID)"
        case .notJSON: return "Feishu's answer to \(api) for bot \(botID) is not JSON"
        case .rateLimited: return "Feishu rate-limited \(api) for bot \(botID); the reply is retried later"
        case .code(let code, let message):
            let advice: String = switch code {
            case 10003, 10014: "check \(key).app_id and \(key).app_secret"
            case 99991663, 99991661: "the tenant token was refused; a fresh one is fetched"
            case 99991672: "grant the app the permission the API needs in the developer console, then publish a version"
            case 230002: "add the bot to the chat"
            case 19021: "check \(key).secret and this server's clock (the signature is valid for 1 hour)"
            case 19022: "add this server's IP to the custom bot's allow list"
            case 19024: "the message lacks the custom bot's keyword"
            default: "see https://open.feishu.cn/search?q=\(code)"
            }
            return "Feishu refused \(api) for bot \(botID): code \(code)\(message.isEmpty ? "" : " (\(message))"); \(advice)"
        }
    }
}
