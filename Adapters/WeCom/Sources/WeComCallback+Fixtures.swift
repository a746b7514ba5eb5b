import Foundation
import HTTPTypes
import SwitchboardCore

/// Opening and sealing recorded WeCom callbacks (both the app's XML and the AI bot's JSON), for
/// `switchboard fixture make`: the signed query (`msg_signature`, `timestamp`, `nonce`) and the
/// AES layers of platforms.md §1a.1 / §1c.1. URL verification (`GET …&echostr`) carries its
/// payload in the query.
extension WeComCallback {
    /// The recorded request's plaintext: the decrypted `echostr` of a GET, else of `encrypt`.
    func openRecorded(_ request: WebhookRequest, encrypt: (WebhookRequest) throws -> String, now: Date) throws -> Data {
        let query = try query(request)
        if request.method == .get {
            guard let echostr = request.query("echostr") else { throw WebhookRejection.badRequest("a GET without echostr") }
            return try open(echostr, query: query, now: now)
        }
        return try open(try encrypt(request), query: query, now: now)
    }

    /// `payload` encrypted (deterministically) and signed at `now`, with the recorded nonce; a GET
    /// carries it as `echostr`, a POST in the body `envelope` makes of the ciphertext.
    func sealRecorded(
        _ payload: Data, like recorded: WebhookRequest, bot: String, now: Date, envelope: (String) -> (body: Data, contentType: String)
    ) throws -> WebhookRequest {
        let encrypt = try crypto.encryptDeterministically(payload)
        let timestamp = String(Int(now.timeIntervalSince1970))
        let nonce = recorded.query("nonce") ?? "1372623149"
        let signature = crypto.signature(timestamp: timestamp, nonce: nonce, encrypt: encrypt)
        var query = "msg_signature=\(signature)&timestamp=\(timestamp)&nonce=\(PercentEncoding.queryValue(nonce))"
        if recorded.method == .get {
            query += "&echostr=\(PercentEncoding.queryValue(encrypt))"
            return recorded.resent(to: bot, query: query, body: Data())
        }
        let (body, contentType) = envelope(encrypt)
        return recorded.resent(to: bot, query: query, headers: [.contentType: contentType], body: body)
    }
}

extension WeComAppAdapter: FixtureSealing {
    func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data {
        try callback.openRecorded(request, encrypt: { request in
            guard let encrypt = (try? WeComXML(request.body))?["Encrypt"] else { throw WebhookRejection.unauthorized("no Encrypt element in the body") }
            return encrypt
        }, now: now)
    }

    func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest {
        try callback.sealRecorded(payload, like: recorded, bot: botID, now: now) { [corpID, agentID] encrypt in
            let xml = "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><Encrypt><![CDATA[\(encrypt)]]></Encrypt><AgentID><![CDATA[\(agentID)]]></AgentID></xml>"
            return (Data(xml.utf8), "text/xml")
        }
    }
}

extension WeComAIBotAdapter: FixtureSealing {
    func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data {
        try callback.openRecorded(request, encrypt: { request in
            guard let envelope = try? JSONParser.parse(request.body), let encrypt = (envelope["encrypt"] ?? envelope["Encrypt"])?.string else {
                throw WebhookRejection.unauthorized("no encrypt field in the body")
            }
            return encrypt
        }, now: now)
    }

    func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest {
        try callback.sealRecorded(payload, like: recorded, bot: botID, now: now) { encrypt in
            (JSONWriter.data(["encrypt": .string(encrypt)]), "application/json")
        }
    }
}

/// The AI bot's socket frames are JSON (`cmd`, `headers.req_id`, `body`: the callback's message).
extension WeComAIBotSocketAdapter: FrameSealing {}
