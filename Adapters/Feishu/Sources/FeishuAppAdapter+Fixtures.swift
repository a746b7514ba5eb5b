import Crypto
import Foundation
import HTTPTypes
import SwitchboardCore

/// Opening and sealing recorded Feishu events, for `switchboard fixture make` (platforms.md §2b):
/// with an Encrypt Key the body is `{"encrypt": base64(iv ‖ AES-256-CBC)}` signed in the
/// `X-Lark-*` headers; without one the event is plain JSON (its verification token inside).
extension FeishuAppAdapter: FixtureSealing {
    func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data {
        guard let callback else { throw WebhookRejection.forbidden("bot \(botID) receives events over the long connection; record frames instead") }
        // Verifies the signature, the clock and the token, as receiving does.
        _ = try callback.open(request, now: now)
        guard let encrypt = (try? JSONParser.parse(request.body))?["encrypt"]?.string else { return request.body }
        guard let crypto = callback.crypto else { throw WebhookRejection.badRequest("the event is encrypted but the bot has no encrypt_key") }
        return try crypto.decrypt(encrypt)
    }

    func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest {
        let timestamp = String(Int(now.timeIntervalSince1970))
        guard let crypto = callback?.crypto else {
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
            if recorded.headers[FeishuCallback.timestampHeader] != nil { headers[FeishuCallback.timestampHeader] = timestamp }
            return recorded.resent(to: botID, headers: headers, body: payload)
        }
        // The IV from the payload itself: the same input seals to the same bytes.
        let iv = Array(SHA256.hash(data: payload)).prefix(16)
        let body = JSONWriter.data(["encrypt": .string(try crypto.encrypt(payload, iv: Array(iv)))])
        let nonce = recorded.headers[FeishuCallback.nonceHeader] ?? "fixture-nonce"
        // Feishu leaves url_verification unsigned; everything else is signed.
        let isChallenge = (try? JSONParser.parse(payload))?["type"]?.string == "url_verification"
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if !isChallenge {
            headers[FeishuCallback.timestampHeader] = timestamp
            headers[FeishuCallback.nonceHeader] = nonce
            headers[FeishuCallback.signatureHeader] = crypto.signature(timestamp: timestamp, nonce: nonce, body: body)
        }
        return recorded.resent(to: botID, headers: headers, body: body)
    }
}
