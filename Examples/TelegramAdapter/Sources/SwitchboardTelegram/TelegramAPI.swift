import Foundation
import HTTPTypes
import SwitchboardCore

/// Calls to the Bot API: `POST <api_base>/bot<token>/<method>` with a JSON body, answered
/// `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description", "parameters":
/// {"retry_after"}}`. The token is part of the URL, so no URL is ever put in an error or a log.
struct TelegramAPI: Sendable {
    let botID: String
    let apiBase: String
    let token: String

    func call(_ method: String, _ body: JSONValue, transport: any HTTPTransport) async throws -> JSONValue {
        let request = OutboundRequest(
            method: .post, url: "\(apiBase)/bot\(token)/\(method)", headers: [.contentType: "application/json"],
            body: JSONWriter.data(body), timeout: .seconds(20)
        )
        let data: Data
        do {
            let response = try await transport.execute(request)
            data = try await response.body.collect(upTo: 1 << 20)
        } catch {
            // Whatever the transport says, without the URL (it holds the token).
            throw TelegramAPIError(botID: botID, method: method, code: nil, description: "the request did not complete (\(type(of: error)))", retryAfter: nil)
        }
        guard let answer = try? JSONParser.parse(data), case .object(let object) = answer else {
            throw TelegramAPIError(botID: botID, method: method, code: nil, description: "the answer is not Bot API JSON", retryAfter: nil, answered: true)
        }
        guard object["ok"] == .bool(true) else {
            throw TelegramAPIError(
                botID: botID, method: method, code: object["error_code"]?.integer,
                description: object["description"]?.string ?? "no description", retryAfter: object["parameters"]?["retry_after"]?.integer,
                answered: true
            )
        }
        return object["result"] ?? .null
    }
}

/// A Bot API call that failed, said for people: what Telegram answered and what to do.
struct TelegramAPIError: Error, CustomStringConvertible, RetryableError, DeliveryUncertainty {
    let botID: String
    let method: String
    /// The Bot API's `error_code` (an HTTP status); nil when no answer came.
    let code: Int?
    let description_: String
    /// Seconds Telegram asks to wait (429).
    let retryAfter: Int?
    /// Telegram answered: the message was not taken.
    let answered: Bool

    init(botID: String, method: String, code: Int?, description: String, retryAfter: Int?, answered: Bool = false) {
        self.botID = botID
        self.method = method
        self.code = code
        self.description_ = description
        self.retryAfter = retryAfter
        self.answered = answered
    }

    var description: String {
        "Telegram \(method) failed for bot \(botID): \(code.map { "\($0) " } ?? "")\(description_)\(advice.map { "; \($0)" } ?? "")"
    }

    private var advice: String? {
        switch code {
        case 401, 404: "check bots.\(botID).bot_token (wrong or revoked: @BotFather /token)"
        case 403: "the bot was blocked or removed from the chat; it can answer again once it is added back"
        case 429: "Telegram asks to wait \(retryAfter ?? 1) s; lower the rate (bots.\(botID).update_interval)"
        case let code? where code >= 500: "Telegram is failing; it will be tried again"
        default: nil
        }
    }

    var isRetryable: Bool {
        guard let code else { return true }
        return code == 429 || code >= 500
    }

    var mayHaveArrived: Bool { !answered }

    /// `editMessageText` with the text the message already has: nothing to do.
    var isNotModified: Bool { code == 400 && description_.contains("message is not modified") }

    /// Telegram could not read the MarkdownV2 (`can't parse entities`).
    var isParseError: Bool { code == 400 && description_.contains("can't parse entities") }
}
