import Foundation
import SwitchboardCore

/// The long connection's `ClientConfig` (platforms-2.md §1.2): what the endpoint answer and every
/// `pong` may say, in seconds. A field a pong leaves out keeps its value.
struct FeishuClientConfig: Sendable, Equatable {
    /// Negative: retry for ever.
    var reconnectCount = -1
    var reconnectInterval: Duration = .seconds(120)
    /// The first reconnect waits a random time up to this.
    var reconnectNonce: Duration = .seconds(30)
    var pingInterval: Duration = .seconds(120)

    /// Applies the fields present in `json` (`{"PingInterval": 120, …}`); others are kept. The
    /// server's numbers are bounded — a day at most for an interval, an hour for the random wait —
    /// so that nothing it says can trap the arithmetic of a wait.
    mutating func apply(_ json: JSONValue) {
        if let value = json["ReconnectCount"]?.integer { reconnectCount = value }
        if let value = json["ReconnectInterval"]?.integer, value >= 0 { reconnectInterval = .seconds(min(value, Self.longest)) }
        if let value = json["ReconnectNonce"]?.integer, value >= 0 { reconnectNonce = .seconds(min(value, Self.longestNonce)) }
        // A ping interval under a second would flood the server; the SDKs apply what they get.
        if let value = json["PingInterval"]?.integer, value >= 1 { pingInterval = .seconds(min(value, Self.longest)) }
    }

    static let longest = 86_400
    static let longestNonce = 3_600

    /// The wait before reconnect attempt `attempt` (1 = the first after a failure).
    func delay(beforeAttempt attempt: Int) -> Duration {
        guard attempt <= 1 else { return reconnectInterval }
        let nonce = reconnectNonce.components.seconds * 1000
        return .milliseconds(nonce > 0 ? Int64.random(in: 0..<nonce) : 0)
    }
}

/// `POST {host}/callback/ws/endpoint` with the app's credentials: the one-time socket URL and the
/// first `ClientConfig` (platforms-2.md §1.2).
struct FeishuEndpoint: Sendable {
    let url: String
    /// From the URL's `service_id`: put in every ping frame.
    let service: Int32
    let config: JSONValue?

    /// The URL without its query (it holds `access_key` and `ticket`), for logs.
    var redactedURL: String { url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url }

    static func discover(host: String, appID: String, appSecret: String, botID: String, transport: any HTTPTransport) async throws -> FeishuEndpoint {
        let request = OutboundRequest(
            method: .post, url: host + "/callback/ws/endpoint", headers: [.contentType: "application/json", .init("locale")!: "zh"],
            body: JSONWriter.data(["AppID": .string(appID), "AppSecret": .string(appSecret)]), timeout: .seconds(15)
        )
        let response: OutboundResponse
        let data: Data
        do {
            response = try await transport.execute(request)
            data = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw FeishuLongConnectionError(botID: botID, kind: .retry, detail: "the endpoint request did not complete (\(type(of: error)))")
        }
        guard response.status == .ok else {
            throw FeishuLongConnectionError(botID: botID, kind: .retry, detail: "the endpoint answered HTTP \(response.status.code)")
        }
        // An answer that is not the endpoint's JSON is retried, as the SDKs do: only a code Feishu
        // said stops the bot.
        guard let json = try? JSONParser.parse(data), let code = json["code"]?.integer else {
            throw FeishuLongConnectionError(botID: botID, kind: .retry, detail: "the endpoint's answer is not its JSON (\(data.count) bytes)")
        }
        switch code {
        case 0:
            break
        case 1, 1_000_040_343:
            throw FeishuLongConnectionError(botID: botID, kind: .retry, detail: "the endpoint says the system is busy (code \(code))")
        default:
            // A client error: bad credentials, an app not allowed a long connection.
            throw FeishuLongConnectionError(
                botID: botID, kind: .stop,
                detail: "the endpoint refused the app: code \(code) \(json["msg"]?.string ?? ""); check bots.\(botID).app_id and app_secret, and that the app is a self-built app with 使用长连接接收事件 chosen in the console"
            )
        }
        guard let url = json["data"]?["URL"]?.string, !url.isEmpty else {
            throw FeishuLongConnectionError(botID: botID, kind: .retry, detail: "the endpoint answered no URL")
        }
        let service = WebhookRequest(method: .get, url: url).query("service_id").flatMap { Int32($0) } ?? 0
        return FeishuEndpoint(url: url, service: service, config: json["data"]?["ClientConfig"])
    }
}

/// Why a long connection failed, and whether trying again can help (platforms-2.md §1.9).
struct FeishuLongConnectionError: Error, CustomStringConvertible {
    enum Kind: Sendable {
        /// A server-side or network failure: reconnect by the ClientConfig.
        case retry
        /// A client error (credentials, connection limit, a banned app): reconnecting cannot help.
        case stop
    }

    let botID: String
    let kind: Kind
    let detail: String

    var description: String { "Feishu long connection for bot \(botID): \(detail)" }
}
