import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTelemetry

/// DingTalk's HTTP APIs over ``HTTPTransport``: the new OpenAPI (`api.dingtalk.com`, errors as
/// HTTP 4xx with `{"code": "…", "message"}`) and the robot webhooks (`{"errcode", "errmsg"}`).
struct DingTalkAPI: Sendable {
    static let defaultBase = "https://api.dingtalk.com"
    static let timeout: Duration = .seconds(15)

    let base: String
    let botID: String

    func post(_ path: String, api: String, body: JSONValue, token: String?, transport: any HTTPTransport) async throws -> JSONValue {
        try await Self.exchange(url: base + path, api: api, botID: botID, body: body, token: token, transport: transport)
    }

    /// A PUT (the card APIs update with PUT).
    func put(_ path: String, api: String, body: JSONValue, token: String?, transport: any HTTPTransport) async throws -> JSONValue {
        try await Self.exchange(method: .put, url: base + path, api: api, botID: botID, body: body, token: token, transport: transport)
    }

    /// One POST of a JSON body to a full URL (a session webhook, a custom robot), counted in the
    /// platform-call metrics.
    static func exchange(
        method: HTTPRequest.Method = .post, url: String, api: String, botID: String, body: JSONValue, token: String? = nil, transport: any HTTPTransport
    ) async throws -> JSONValue {
        do {
            let json = try await exchangeOnce(method: method, url: url, api: api, botID: botID, body: body, token: token, transport: transport)
            PlatformCallMetrics.record(bot: botID, platform: DingTalkAdapterFactory.platformName, api: api, errorCode: nil)
            return json
        } catch let error as DingTalkAPIError {
            PlatformCallMetrics.record(bot: botID, platform: DingTalkAdapterFactory.platformName, api: api, errorCode: error.metricCode)
            throw error
        }
    }

    private static func exchangeOnce(
        method: HTTPRequest.Method, url: String, api: String, botID: String, body: JSONValue, token: String?, transport: any HTTPTransport
    ) async throws -> JSONValue {
        // `Accept` as every official SDK sends it: without it the Stream gateway's
        // `connections/open` answers XML (dingtalk-stream Node `getEndpoint`; platforms-3.md §7).
        var headers: HTTPFields = [.contentType: "application/json", .accept: "application/json"]
        if let token { headers[HTTPField.Name("x-acs-dingtalk-access-token")!] = token }
        let response: OutboundResponse
        let data: Data
        do {
            response = try await transport.execute(OutboundRequest(method: method, url: url, headers: headers, body: JSONWriter.data(body), timeout: timeout))
            data = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw DingTalkAPIError(botID: botID, api: api, kind: .network(String(describing: type(of: error))))
        }
        let json = try? JSONParser.parse(data)
        guard response.status.kind == .successful else {
            throw DingTalkAPIError(botID: botID, api: api, kind: .http(response.status.code, json?["code"]?.string ?? "", json?["message"]?.string ?? ""))
        }
        guard let json else { throw DingTalkAPIError(botID: botID, api: api, kind: .notJSON) }
        if case .number(let code)? = json["errcode"], code != 0 {
            throw DingTalkAPIError(botID: botID, api: api, kind: .errcode(json["errcode"]?.integer ?? -1, json["errmsg"]?.string ?? ""))
        }
        return json
    }
}

/// A DingTalk call that failed, said for the operator; never a token or a secret.
struct DingTalkAPIError: Error, RetryableError, CustomStringConvertible, Equatable {
    enum Kind: Equatable {
        case network(String)
        case http(Int, String, String)
        case notJSON
        case errcode(Int, String)
    }

    static let tooFast = 130101

    var botID: String
    var api: String
    var kind: Kind

    /// The errcodes this adapter knows (platforms.md §3), as metric labels; any other is `other`.
    static let knownCodes: Set<Int> = [-1, 130101, 300001, 310000, 400102]

    /// The bounded `code` label of ``MetricName/platformErrors``.
    var metricCode: String {
        switch kind {
        case .network: "network"
        case .http(let status, _, _): "http_\(status)"
        case .notJSON: "invalid"
        case .errcode(let code, _): PlatformCallMetrics.label(forCode: code, known: Self.knownCodes)
        }
    }

    var isRetryable: Bool {
        switch kind {
        case .network, .notJSON: true
        case .http(let status, _, _): status >= 500 || status == 429 || status == 401
        case .errcode(let code, _): code == Self.tooFast || code == -1
        }
    }

    /// The access token was refused (HTTP 401; the SDK resets its token then).
    var isTokenRejected: Bool {
        if case .http(401, _, _) = kind { return true }
        return false
    }

    var description: String {
        let key = "bots.\(botID)"
        switch kind {
        case .network(let what): return "cannot reach DingTalk for bot \(botID) (\(api)): \(what)"
        case .notJSON: return "DingTalk's answer to \(api) for bot \(botID) is not JSON"
        case .http(let status, let code, let message):
            let advice = switch status {
            case 400 where api == "accessToken", 401 where api == "accessToken", 403 where api == "accessToken": "check \(key).app_key and \(key).app_secret"
            case 401: "the access token was refused; a fresh one is fetched"
            case 403: "grant the app the robot's message-sending permission in the developer console"
            case 429: "rate limited; the message is retried later"
            default: "see DingTalk's error code list"
            }
            let detail = [code, message].filter { !$0.isEmpty }.joined(separator: ": ")
            return "DingTalk answered HTTP \(status) to \(api) for bot \(botID)\(detail.isEmpty ? "" : " (\(detail))"); \(advice)"
        case .errcode(let code, let message):
            let advice = switch code {
            case 130101: "more than 20 messages a minute; the message is retried later"
            case 310000: "check \(key).secret (sign), the robot's keywords or its IP allow list"
            case 300001, 400102: "check \(key).webhook_url (the access_token)"
            default: "see DingTalk's error code list"
            }
            return "DingTalk refused \(api) for bot \(botID): errcode \(code)\(message.isEmpty ? "" : " (\(message))"); \(advice)"
        }
    }
}

extension DingTalkAPIError: DeliveryUncertainty {
    /// A lost connection, or an answer that is not the platform's JSON, leaves open whether the
    /// message was taken; an HTTP error or an errcode says it was not.
    var mayHaveArrived: Bool {
        switch kind {
        case .network, .notJSON: true
        case .http, .errcode: false
        }
    }
}
