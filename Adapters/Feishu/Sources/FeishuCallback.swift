import Foundation
import HTTPTypes
import SwitchboardCore

/// Verify ▸ decrypt ▸ check the token, for one Feishu event subscription (platforms.md §2b).
///
/// With an Encrypt Key, `X-Lark-Signature` is checked on the raw body before anything is parsed,
/// and the request timestamp must be within `maxClockSkew`. The only request read without a
/// signature is a `url_verification` (the SDK does not sign-check it), and then only to answer the
/// challenge after its verification token matched. The verification token is compared on every
/// payload, in constant time.
struct FeishuCallback: Sendable {
    static let maxBodyBytes = 512 * 1024
    static let timestampHeader = HTTPField.Name("X-Lark-Request-Timestamp")!
    static let nonceHeader = HTTPField.Name("X-Lark-Request-Nonce")!
    static let signatureHeader = HTTPField.Name("X-Lark-Signature")!

    let verificationToken: String
    let crypto: FeishuCrypto?
    let maxClockSkew: Duration

    enum Opened {
        case challenge(String)
        case payload(FeishuPayload)
    }

    func open(_ request: WebhookRequest, now: Date) throws -> Opened {
        guard request.method == .post else {
            throw WebhookRejection.methodNotAllowed("Feishu posts events to this URL")
        }
        guard request.body.count <= Self.maxBodyBytes else {
            throw WebhookRejection.payloadTooLarge("body larger than \(Self.maxBodyBytes) bytes")
        }
        // The three X-Lark headers, read in one pass over the fields.
        var signature: String?, timestampValue: String?, nonce: String?
        for field in request.headers {
            switch field.name {
            case Self.signatureHeader: signature = field.value
            case Self.timestampHeader: timestampValue = field.value
            case Self.nonceHeader: nonce = field.value
            default: continue
            }
        }
        if let crypto, let signature {
            let timestamp = timestampValue ?? ""
            guard crypto.verify(signature: signature, timestamp: timestamp, nonce: nonce ?? "", body: request.body) else {
                throw WebhookRejection.unauthorized("signature mismatch: check the bot's encrypt_key")
            }
            try checkClock(timestamp, now: now)
        } else if let timestamp = timestampValue {
            // Unsigned (no Encrypt Key configured), but a stale request is still refused. Only the
            // per-delivery header is checked: `header.create_time` stays old on Feishu's retries.
            try checkClock(timestamp, now: now)
        }
        let payload = try decode(request.body, signed: signature != nil)
        guard let token = payload.verificationToken, ConstantTime.equals(token, verificationToken) else {
            throw WebhookRejection.unauthorized("verification token mismatch: check the bot's verification_token")
        }
        if payload.isURLVerification {
            return .challenge(payload.challenge ?? "")
        }
        if crypto != nil, signature == nil {
            throw WebhookRejection.unauthorized("missing X-Lark-Signature: with an encrypt_key every event must be signed")
        }
        return .payload(payload)
    }

    private func checkClock(_ timestamp: String, now: Date) throws {
        guard let seconds = Double(timestamp) else {
            throw WebhookRejection.unauthorized("X-Lark-Request-Timestamp must be Unix seconds")
        }
        guard abs(now.timeIntervalSince1970 - seconds) <= Double(maxClockSkew.components.seconds) else {
            throw WebhookRejection.unauthorized("stale timestamp: more than \(maxClockSkew.components.seconds) s from server time; check the clocks")
        }
    }

    /// The payload, decrypted when it is `{"encrypt"}`. An unsigned body that does not parse is
    /// unauthenticated when a signature was required.
    private func decode(_ body: Data, signed: Bool) throws -> FeishuPayload {
        let unauthenticated = crypto != nil && !signed
        let outer: FeishuPayload
        do {
            outer = try FeishuPayload.parse(body)
        } catch {
            if unauthenticated { throw WebhookRejection.unauthorized("missing X-Lark-Signature: with an encrypt_key every event must be signed") }
            throw WebhookRejection.badRequest("the body is not a Feishu event JSON")
        }
        guard let encrypt = outer.encrypt else { return outer }
        guard let crypto else {
            throw WebhookRejection.badRequest("the event is encrypted but the bot has no encrypt_key; copy it from the console's Encrypt Key")
        }
        let plain: Data
        do {
            plain = try crypto.decrypt(encrypt)
        } catch {
            // One answer for every failure: which check failed is not the sender's business.
            if unauthenticated { throw WebhookRejection.unauthorized("missing X-Lark-Signature: with an encrypt_key every event must be signed") }
            throw WebhookRejection.badRequest("cannot decrypt the event: check the bot's encrypt_key")
        }
        do {
            return try FeishuPayload.parse(plain)
        } catch {
            throw WebhookRejection.badRequest("the decrypted event is not JSON: check the bot's encrypt_key")
        }
    }
}
