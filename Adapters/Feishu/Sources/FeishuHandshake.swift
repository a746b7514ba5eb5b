import Foundation
import HTTPTypes
import SwitchboardCore

/// Why Feishu refused the WebSocket upgrade (platforms-2.md §1.4, platforms-3.md §7): the refusal
/// itself carries `handshake-status`, `handshake-autherrcode` and `handshake-msg` headers, read
/// off the failed upgrade (``FeishuSocketDial``). Classified as the SDKs do: 403, or 514 with
/// 1000040350 (over 50 connections), stop; anything else is retried — and so is a refusal without
/// the headers, whatever its HTTP status: a proxy's or a load balancer's 403 says nothing about
/// the app.
enum FeishuHandshake {
    static let forbidden = 403
    static let authFailed = 514
    static let exceedConnectionLimit = 1_000_040_350

    static func classify(_ refused: FeishuSocketDial.Refused, botID: String) -> FeishuLongConnectionError {
        guard let status = refused.header("handshake-status").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            return FeishuLongConnectionError(
                botID: botID, kind: .retry,
                detail: "the WebSocket upgrade was refused with HTTP \(refused.status) and no handshake-status (not Feishu's answer: a proxy or load balancer in the way?)"
            )
        }
        // Bounded: a number from the network never traps.
        let authCode = refused.header("handshake-autherrcode").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return classify(status: status, authCode: authCode, message: refused.header("handshake-msg") ?? "", botID: botID)
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
