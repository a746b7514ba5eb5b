import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting

/// Plays WeCom's side of the callbacks against a running server: encrypts and signs like WeCom
/// (with the tests' own WXBizMsgCrypt), and opens the encrypted answers of an AI bot.
struct WeComPlatform {
    let server: RunningSwitchboard
    let token = WeComVectors.Fixture.token
    let key = WeComVectors.Fixture.key

    /// POSTs an encrypted self-built-app message.
    func postApp(bot: String = "wecom-app", xml: String) async throws -> (status: Int, body: String) {
        let encrypt = try IndependentWXBizMsgCrypt.seal(xml, receiveID: WeComVectors.Fixture.corpID, encodingAESKey: key)
        let body = "<xml><ToUserName><![CDATA[\(WeComVectors.Fixture.corpID)]]></ToUserName><Encrypt><![CDATA[\(encrypt)]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
        return try await post(bot: bot, encrypt: encrypt, body: Data(body.utf8), contentType: "text/xml")
    }

    /// POSTs an encrypted AI-bot message; returns the decrypted answer (a stream frame, `{}`, …).
    func postAIBot(bot: String = "wecom-aibot", json: String) async throws -> (status: Int, answer: [String: JSONValue]) {
        let encrypt = try IndependentWXBizMsgCrypt.seal(json, receiveID: "", encodingAESKey: key)
        let body = try JSONEncoder().encode(["encrypt": encrypt])
        let (status, text) = try await post(bot: bot, encrypt: encrypt, body: body, contentType: "application/json")
        guard status == 200 else { return (status, [:]) }
        let envelope = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        guard let sealed = envelope["encrypt"], let signature = envelope["msgsignature"], let timestamp = envelope["timestamp"], let nonce = envelope["nonce"],
            IndependentWXBizMsgCrypt.sha1Signature([token, timestamp, nonce, sealed]) == signature
        else { throw FixtureError("the AI bot's answer is not a correctly signed envelope: \(text)") }
        let opened = try IndependentWXBizMsgCrypt.open(sealed, encodingAESKey: key)
        return (status, try JSONDecoder().decode([String: JSONValue].self, from: Data(opened.message.utf8)))
    }

    private func post(bot: String, encrypt: String, body: Data, contentType: String) async throws -> (status: Int, body: String) {
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let nonce = String(Int.random(in: 100_000_000...999_999_999))
        let signature = IndependentWXBizMsgCrypt.sha1Signature([token, timestamp, nonce, encrypt])
        let url = "\(server.url)/webhooks/\(bot)?msg_signature=\(signature)&timestamp=\(timestamp)&nonce=\(nonce)"
        return try await server.send(OutboundRequest(method: .post, url: url, headers: [.contentType: contentType], body: body))
    }
}

extension [String: JSONValue] {
    /// `stream.content` / `stream.finish` / `stream.id` of a stream frame.
    var stream: (id: String, finish: Bool, content: String)? {
        guard case .object(let stream)? = self["stream"], let id = stream["id"]?.string, case .bool(let finish)? = stream["finish"],
            let content = stream["content"]?.string
        else { return nil }
        return (id, finish, content)
    }
}
