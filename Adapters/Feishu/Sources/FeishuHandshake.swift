import Foundation
import HTTPTypes
import SwitchboardCore

/// Why Feishu refused the WebSocket upgrade (platforms-2.md §1.4): the refusal carries
/// `handshake-status`, `handshake-autherrcode` and `handshake-msg` headers. The WebSocket client
/// does not expose a refused upgrade's headers, so they are read from a second, plain GET of the
/// same URL — assumed refused the same way, with the same headers, since the ticket is single-use
/// and checked before any upgrade [M: unconfirmed; the SDKs read the headers off the failed dial].
/// Classified: 403, or 514 with 1000040350 (over 50 connections), stop; anything else — headers
/// absent included — is retried, the safe default.
enum FeishuHandshake {
    static let forbidden = 403
    static let authFailed = 514
    static let exceedConnectionLimit = 1_000_040_350

    static func refusal(url: String, botID: String, transport: any HTTPTransport) async -> FeishuLongConnectionError {
        let http = url.hasPrefix("wss://") ? "https://" + url.dropFirst(6) : url.hasPrefix("ws://") ? "http://" + url.dropFirst(5) : url
        let response: OutboundResponse
        do {
            response = try await transport.execute(OutboundRequest(method: .get, url: String(http), timeout: .seconds(10)))
        } catch {
            return FeishuLongConnectionError(botID: botID, kind: .retry, detail: "the WebSocket upgrade was refused, and why could not be read (\(error))")
        }
        _ = try? await response.body.collect(upTo: 64 << 10)
        let status = response.headers[HTTPField.Name("handshake-status")!].flatMap(Int.init) ?? Int(response.status.code)
        let authCode = response.headers[HTTPField.Name("handshake-autherrcode")!].flatMap(Int.init)
        let message = response.headers[HTTPField.Name("handshake-msg")!] ?? ""
        return classify(status: status, authCode: authCode, message: message, botID: botID)
    }

    static func classify(status: Int, authCode: Int?, message: String, botID: String) -> FeishuLongConnectionError {
        let said = "handshake-status \(status)\(authCode.map { " handshake-autherrcode \($0)" } ?? "")\(message.isEmpty ? "" : " (\(message))")"
        switch (status, authCode) {
        case (authFailed, exceedConnectionLimit):
            return FeishuLongConnectionError(
                botID: botID, kind: .stop,
                detail: "Feishu refused the connection: the app already has 50 long connections (\(said)); stop other processes using app \(botID)'s credentials"
            )
        case (forbidden, _):
            return FeishuLongConnectionError(
                botID: botID, kind: .stop, detail: "Feishu forbids this app a long connection (\(said)); check in the console that the app is enabled and uses 长连接"
            )
        default:
            return FeishuLongConnectionError(botID: botID, kind: .retry, detail: "the WebSocket upgrade was refused (\(said))")
        }
    }
}
