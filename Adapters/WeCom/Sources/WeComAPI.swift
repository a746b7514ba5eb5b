import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTelemetry

/// `qyapi.weixin.qq.com` over ``HTTPTransport``: JSON in, `{"errcode", "errmsg", …}` out.
struct WeComAPI: Sendable {
    static let defaultBase = "https://qyapi.weixin.qq.com"
    static let timeout: Duration = .seconds(15)

    /// Where the API lives (tests point it at a loopback server).
    let base: String
    let botID: String

    /// `POST <base><path>?<query>` with a JSON body; throws ``WeComAPIError`` for a non-zero errcode.
    /// `query` may hold a secret (`access_token`), so no URL ever reaches an error or a log.
    func post(_ api: String, query: [(String, String)] = [], body: Data, transport: any HTTPTransport) async throws -> [String: JSONValue] {
        try await call(.post, api, query: query, body: body, transport: transport)
    }

    func get(_ api: String, query: [(String, String)], transport: any HTTPTransport) async throws -> [String: JSONValue] {
        try await call(.get, api, query: query, body: nil, transport: transport)
    }

    /// A multipart upload (`media/upload`).
    func upload(_ api: String, query: [(String, String)], body: Data, contentType: String, transport: any HTTPTransport) async throws -> [String: JSONValue] {
        try await call(.post, api, query: query, body: body, contentType: contentType, transport: transport)
    }

    private func call(
        _ method: HTTPRequest.Method, _ api: String, query: [(String, String)], body: Data?, contentType: String = "application/json; charset=utf-8",
        transport: any HTTPTransport
    ) async throws -> [String: JSONValue] {
        let name = api.hasPrefix("/cgi-bin/") ? String(api.dropFirst("/cgi-bin/".count)) : api
        return try await Self.exchange(method, url: url(api, query: query), api: name, botID: botID, body: body, contentType: contentType, transport: transport)
    }

    /// One call to a full URL (a robot webhook, an AI bot's `response_url`), counted in the
    /// platform-call metrics.
    static func exchange(
        _ method: HTTPRequest.Method, url: String, api: String, botID: String, body: Data?, contentType: String = "application/json; charset=utf-8",
        transport: any HTTPTransport
    ) async throws -> [String: JSONValue] {
        do {
            let object = try await exchangeOnce(method, url: url, api: api, botID: botID, body: body, contentType: contentType, transport: transport)
            PlatformCallMetrics.record(bot: botID, platform: WeComAdapterFactory.platformName, api: api, errorCode: nil)
            return object
        } catch let error as WeComAPIError {
            PlatformCallMetrics.record(bot: botID, platform: WeComAdapterFactory.platformName, api: api, errorCode: error.metricCode)
            throw error
        }
    }

    private static func exchangeOnce(
        _ method: HTTPRequest.Method, url: String, api: String, botID: String, body: Data?, contentType: String, transport: any HTTPTransport
    ) async throws -> [String: JSONValue] {
        var headers: HTTPFields = [:]
        if body != nil { headers[.contentType] = contentType }
        let response: OutboundResponse
        let data: Data
        do {
            response = try await transport.execute(OutboundRequest(method: method, url: url, headers: headers, body: body, timeout: timeout))
            data = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw WeComAPIError(botID: botID, api: api, kind: .network(String(describing: type(of: error))))
        }
        guard response.status.kind == .successful else {
            throw WeComAPIError(botID: botID, api: api, kind: .http(response.status.code))
        }
        guard let object = (try? JSONParser.parse(data))?.object else {
            throw WeComAPIError(botID: botID, api: api, kind: .notJSON)
        }
        if case .number(let code)? = object["errcode"], code != 0 {
            // Bounded: an errcode no Int can hold (1e300) is -1, never a trap.
            throw WeComAPIError(botID: botID, api: api, kind: .errcode(JSONValue.number(code).integer ?? -1, object["errmsg"]?.string ?? ""))
        }
        return object
    }

    func url(_ api: String, query: [(String, String)]) -> String {
        guard !query.isEmpty else { return base + api }
        return base + api + "?" + query.map { "\($0.0)=\(PercentEncoding.queryValue($0.1))" }.joined(separator: "&")
    }
}

/// A WeCom API call that failed, said for the operator: which bot, which API, WeCom's code and
/// what to do. Never a token or a secret.
struct WeComAPIError: Error, RetryableError, CustomStringConvertible, Equatable {
    enum Kind: Equatable {
        case network(String)
        case http(Int)
        case notJSON
        case errcode(Int, String)
    }

    var botID: String
    var api: String
    var kind: Kind

    var errcode: Int? {
        if case .errcode(let code, _) = kind { return code }
        return nil
    }

    /// -1 (busy), 45009 (rate limited), network and 5xx are worth another try later — and so is a
    /// message/send whose fresh token was refused too (40014, 42001: a token another process just
    /// replaced); bad credentials on gettoken are not.
    var isRetryable: Bool {
        switch kind {
        case .network, .notJSON: true
        case .http(let status): status >= 500 || status == 429
        case .errcode(let code, _): code == -1 || code == 45009 || code == 45033 || (api != "gettoken" && [40014, 42001].contains(code))
        }
    }

    /// The errcodes this adapter knows (platforms.md §1), as metric labels; any other is `other`.
    static let knownCodes: Set<Int> = [-1, 40001, 40003, 40013, 40014, 40091, 40125, 42001, 45009, 45033, 60020, 60111, 81013, 93000]

    /// The bounded `code` label of ``MetricName/platformErrors``.
    var metricCode: String {
        switch kind {
        case .network: "network"
        case .http(let status): "http_\(status)"
        case .notJSON: "invalid"
        case .errcode(let code, _): PlatformCallMetrics.label(forCode: code, known: Self.knownCodes)
        }
    }

    /// The access token is stale and a fresh one may work (refresh once and retry).
    var isTokenRejected: Bool {
        [40014, 42001, 40001].contains(errcode ?? 0)
    }

    var description: String {
        let key = "bots.\(botID)"
        switch kind {
        case .network(let what): return "cannot reach WeCom for bot \(botID) (\(api)): \(what)"
        case .http(let status): return "WeCom answered HTTP \(status) to \(api) for bot \(botID)"
        case .notJSON: return "WeCom's answer to \(api) for bot \(botID) is not JSON"
        case .errcode(let code, let message):
            let detail = Self.trim(message)
            let credentials = [40001, 40013, 40091, 40125].contains(code) && api == "gettoken"
            let advice: String = switch code {
            case _ where credentials: "check \(key).corp_id and \(key).secret"
            case 40001, 40014, 42001: "the access token was refused; a fresh one is fetched"
            case 60020: "add this server's IP to the app's trusted IPs in the WeCom console"
            case 45009, 45033: "rate limited; the message is retried later"
            case 93000: "check \(key).webhook_key (or webhook_url)"
            case 81013, 60111, 40003: "the user is not in the app's visible range or does not exist"
            default: "see https://open.work.weixin.qq.com/devtool/query?e=\(code)"
            }
            return "WeCom refused \(api) for bot \(botID): errcode \(code)\(detail.isEmpty ? "" : " (\(detail))"); \(advice)"
        }
    }

    /// WeCom appends "hint: […], from ip: …, more info at …" to messages; the first clause says it.
    static func trim(_ message: String) -> String {
        String(message.split(separator: ",", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
    }
}

extension WeComAPIError: DeliveryUncertainty {
    /// A lost connection, or an answer that is not the platform's JSON, leaves open whether the
    /// message was taken; an HTTP error or an errcode says it was not.
    var mayHaveArrived: Bool {
        switch kind {
        case .network, .notJSON: true
        case .http, .errcode: false
        }
    }
}
