import Foundation
import HTTPTypes
import SwitchboardCore

/// Opening and sealing recorded DingTalk HTTP callbacks, for `switchboard fixture make`
/// (platforms.md §3a): the body is plain JSON; the `timestamp` (ms) and `sign` headers are
/// base64(HMAC-SHA256(app secret, timestamp + "\n" + app secret)).
extension DingTalkAppAdapter: FixtureSealing {
    static let timestampHeader = HTTPField.Name("timestamp")!
    static let signHeader = HTTPField.Name("sign")!

    /// The sign covers no body, and a recording keeps only requests that passed it — without the
    /// headers (``credentialHeaders``). A request that still carries them (recorded by an older
    /// version) must be signed with this bot's secret.
    func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data {
        guard let timestamp = request.headers[Self.timestampHeader], let sign = request.headers[Self.signHeader] else { return request.body }
        guard DingTalkSignature.isValid(sign, timestamp: timestamp, secret: appSecret) else {
            throw WebhookRejection.unauthorized("the recorded request is not signed with this bot's app_secret")
        }
        return request.body
    }

    /// A timestamp and sign pair lets anyone post any body for an hour: never kept.
    var credentialHeaders: [HTTPField.Name] { [Self.timestampHeader, Self.signHeader] }

    func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest {
        let timestamp = String(now.unixMilliseconds)
        return recorded.resent(
            to: botID, headers: [Self.timestampHeader: timestamp, Self.signHeader: DingTalkSignature.sign(timestamp: timestamp, secret: appSecret)],
            body: payload
        )
    }
}

/// Stream frames are JSON (their message in `data`, a JSON string the anonymizer reads too).
extension DingTalkAppAdapter: FrameSealing {}
