public import Foundation
public import HTTPTypes
import SwitchboardCore

/// A plugin takes part in `switchboard fixture make` the way a built-in adapter does: it opens a
/// recorded update with its bot's secret token and seals an anonymized one with another bot's
/// (Telegram signs nothing; the secret rides in `X-Telegram-Bot-Api-Secret-Token`).
extension TelegramAdapter: FixtureSealing {
    /// A recording keeps only updates that carried the secret, and leaves the secret out
    /// (``credentialHeaders``); one that still carries a header must carry this bot's.
    public func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data {
        if let presented = request.headers[Self.secretHeader], !ConstantTime.equals(presented, secretToken) {
            throw WebhookRejection.unauthorized("the recorded update carries another bot's secret_token")
        }
        return request.body
    }

    /// The secret token is a credential, not a signature: never recorded.
    public var credentialHeaders: [HTTPField.Name] { [Self.secretHeader] }

    public func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest {
        recorded.resent(to: botID, headers: [Self.secretHeader: secretToken, .contentType: "application/json"], body: payload)
    }
}
