import Foundation
import HTTPTypes
import Logging
public import SwitchboardCore

/// A Telegram bot over the Bot API's webhook (`setWebhook` with a `secret_token`): updates come as
/// JSON POSTs carrying the secret in `X-Telegram-Bot-Api-Secret-Token`; answers go out with
/// `sendMessage` and are edited in place with `editMessageText` while they stream.
public struct TelegramAdapter: ChatAdapter {
    public static let platformName = "telegram"
    static let secretHeader = HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!

    public let botID: String
    public var platform: String { Self.platformName }
    let secretToken: String
    let decoder: TelegramEventDecoder
    let api: TelegramAPI
    let updateInterval: Duration
    let placeholder: String

    init(botID: String, token: String, secretToken: String, identity: TelegramBotIdentity, apiBase: String, updateInterval: Duration, placeholder: String) {
        self.botID = botID
        self.secretToken = secretToken
        self.decoder = TelegramEventDecoder(botID: botID, identity: identity)
        self.api = TelegramAPI(botID: botID, apiBase: apiBase, token: token)
        self.updateInterval = updateInterval
        self.placeholder = placeholder
    }

    public var capabilities: AdapterCapabilities {
        // The budget is 4,096 characters as Telegram counts them (UTF-16 units; see
        // RenderTarget.telegramMarkdownV2), which is at most 4,096 × 3 UTF-8 bytes.
        // With privacy mode off (@BotFather /setprivacy) a group delivers every message; with it on
        // (the default), only commands, replies to the bot and mentions.
        AdapterCapabilities(maxMessageBytes: 4096, markdownDialect: .telegramMarkdownV2, streaming: .editInPlace, groupsDeliverUnmentionedMessages: true)
    }

    // MARK: Receiving

    public func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        guard request.method == .post else { throw WebhookRejection.methodNotAllowed("Telegram POSTs updates to this URL") }
        // Verify before parse: the secret set with setWebhook, compared in constant time.
        guard let presented = request.headers[Self.secretHeader] else {
            throw WebhookRejection.unauthorized("missing X-Telegram-Bot-Api-Secret-Token: call setWebhook with secret_token set to bots.\(botID).secret_token")
        }
        guard ConstantTime.equals(presented, secretToken) else {
            throw WebhookRejection.unauthorized("X-Telegram-Bot-Api-Secret-Token does not match bots.\(botID).secret_token")
        }
        let update: TelegramUpdate
        do {
            update = try JSONDecoder().decode(TelegramUpdate.self, from: request.body)
        } catch {
            throw WebhookRejection.badRequest("not a Telegram Update: \(Self.describe(error))")
        }
        // Telegram needs only a 2xx; it redelivers the same update_id until it gets one.
        return .accept(decoder.events(from: update), ack: .empty(.ok))
    }

    /// A decoding error in one line, naming the field.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context): "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "malformed JSON"
        default: "unreadable body"
        }
    }

    // MARK: Delivering

    public func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        try await TelegramDelivery(adapter: self, event: event, context: context).run(reply)
    }
}
