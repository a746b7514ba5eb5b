import Foundation
import SwitchboardCore

/// The part of a WeCom callback that the self-built app and the AI bot share: the signed query,
/// URL verification, and verify-then-decrypt of the `Encrypt` value (platforms.md §1a.1, §1c.1).
struct WeComCallback: Sendable {
    let crypto: WeComCrypto
    let maxClockSkew: Duration

    /// `msg_signature`, `timestamp`, `nonce` from the query. The AI bot's plugin also accepts the
    /// signature as `msgsignature` or `signature` ("WeCom is inconsistent across scenarios", [S]).
    struct Query {
        var signature: String
        var timestamp: String
        var nonce: String
    }

    func query(_ request: WebhookRequest) throws -> Query {
        guard let signature = request.query("msg_signature") ?? request.query("msgsignature") ?? request.query("signature") else {
            throw WebhookRejection.unauthorized("missing msg_signature in the query")
        }
        guard let timestamp = request.query("timestamp"), let nonce = request.query("nonce") else {
            throw WebhookRejection.unauthorized("missing timestamp or nonce in the query")
        }
        return Query(signature: signature, timestamp: timestamp, nonce: nonce)
    }

    /// `GET ?msg_signature&timestamp&nonce&echostr`: the decrypted echostr, as the raw body.
    func verifyURL(_ request: WebhookRequest, now: Date) throws -> WebhookResponse {
        let query = try query(request)
        guard let echostr = request.query("echostr") else {
            throw WebhookRejection.badRequest("missing echostr: WeCom's URL verification sends one")
        }
        let plain = try open(echostr, query: query, now: now)
        return WebhookResponse(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: plain)
    }

    /// Signature first, then the clock, then the AES layers.
    func open(_ encrypt: String, query: Query, now: Date) throws -> Data {
        do {
            try crypto.verify(signature: query.signature, timestamp: query.timestamp, nonce: query.nonce, encrypt: encrypt)
        } catch {
            throw WebhookRejection.unauthorized("signature mismatch: check the bot's token")
        }
        guard let seconds = Double(query.timestamp) else { throw WebhookRejection.unauthorized("timestamp must be Unix seconds") }
        guard abs(now.timeIntervalSince1970 - seconds) <= Double(maxClockSkew.components.seconds) else {
            throw WebhookRejection.unauthorized("stale timestamp: more than \(maxClockSkew.components.seconds) s from server time")
        }
        do {
            return try crypto.decrypt(encrypt)
        } catch .receiveID {
            throw WebhookRejection.unauthorized("the message is encrypted for another corp: check corp_id")
        } catch {
            // One answer for every AES failure: which check failed is not the sender's business.
            throw WebhookRejection.badRequest("cannot decrypt the message: check encoding_aes_key")
        }
    }

    /// A body encrypted and signed for WeCom, with the request's timestamp and nonce.
    func seal(_ plain: Data, query: Query) throws -> (encrypt: String, signature: String) {
        let encrypt = try crypto.encryptDeterministically(plain)
        return (encrypt, crypto.signature(timestamp: query.timestamp, nonce: query.nonce, encrypt: encrypt))
    }
}
