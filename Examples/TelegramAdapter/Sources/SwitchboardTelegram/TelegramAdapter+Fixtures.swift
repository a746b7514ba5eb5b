public import Foundation
import HTTPTypes
import SwitchboardCore

/// A plugin takes part in `switchboard fixture make` the way a built-in adapter does: it opens a
/// recorded update with its bot's secret token and seals an anonymized one with another bot's
/// (Telegram signs nothing; the secret rides in `X-Telegram-Bot-Api-Secret-Token`).
extension TelegramAdapter: FixtureSealing {
    public func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data {
        guard let presented = request.headers[Self.secretHeader], ConstantTime.equals(presented, secretToken) else {
            throw WebhookRejection.unauthorized("the recorded update does not carry this bot's secret_token")
        }
        return request.body
    }

    public func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest {
        recorded.resent(to: botID, headers: [Self.secretHeader: secretToken, .contentType: "application/json"], body: payload)
    }
}
