import Foundation
import SwitchboardCore

/// `switchboard demo` for WeCom: a self-built app's encrypted XML message, and an AI bot's group
/// @-message answered as a stream WeCom polls for. Fake keys (the fixtures').
enum WeComDemo {
    static let token = "QDG6eK"
    static let key = "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"
    static let corpID = "wwfa6c0ffee1234567"

    static let app = DemoScenario(
        title: "WeCom self-built app: an encrypted XML text message",
        botID: "wecom-app",
        bot: { sink in
            "{platform: wecom, mode: app, corp_id: \(corpID), agent_id: 1000002, secret: demo-app-secret, token: \(token), encoding_aes_key: \"\(key)\", api_base: \"\(sink)\"}"
        },
        sinkAnswers: [
            DemoSinkAnswer("GET", "/cgi-bin/gettoken", json: #"{"errcode":0,"errmsg":"ok","access_token":"demo-access-token","expires_in":7200}"#),
            DemoSinkAnswer("POST", "/cgi-bin/message/send", json: #"{"errcode":0,"errmsg":"ok","msgid":"demo-msgid"}"#),
        ],
        play: { stage in try await stage.show(try appMessage(msgID: 7_000_001, text: "年假怎么申请？"), bot: "wecom-app") }
    )

    static let aiBot = DemoScenario(
        title: "WeCom AI bot: a group @-message, answered as a stream WeCom polls",
        botID: "wecom-aibot",
        bot: { _ in "{platform: wecom, mode: aibot, token: \(token), encoding_aes_key: \"\(key)\", bot_name: AI助手}" },
        play: { stage in
            let message: JSONValue = [
                "msgid": "demo-aibot-msg-1", "aibotid": "aib-demo", "chatid": "wr-demo-group", "chattype": "group", "from": ["userid": "zhangsan"],
                "response_url": .string(stage.sinkURL + "/cgi-bin/aibot/response?response_code=demo"), "msgtype": "text",
                "text": ["content": "@AI助手 帮我写一段周会开场白，提醒大家先同步上周的三个风险项，再讨论本周的发布计划和值班安排"],
            ]
            let ack = try await stage.show(try aiBotRequest(message), bot: "wecom-aibot", quiet: true)
            let frame = try answer(ack.body)
            stage.say("  first frame (the ack, decrypted): \(compact(frame))")
            let streamID = frame["stream"]?["id"]?.string ?? ""
            for poll in 1...40 {
                try await Task.sleep(for: .milliseconds(300))
                let polled = try answer(try await stage.post(try aiBotRequest(["msgid": .string("demo-poll-\(poll)"), "msgtype": "stream", "stream": ["id": .string(streamID)]])).body)
                stage.say("  poll \(poll): finish=\(polled["stream"]?["finish"] == .bool(true)) content=\(compact(polled["stream"]?["content"] ?? .null))")
                if polled["stream"]?["finish"] == .bool(true) { break }
            }
        }
    )

    static func appMessage(msgID: Int, text: String) throws -> WebhookRequest {
        let xml = "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            + "<CreateTime>\(DemoScenario.nowSeconds)</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\(text)]]></Content>"
            + "<MsgId>\(msgID)</MsgId><AgentID>1000002</AgentID></xml>"
        let crypto = try WeComCrypto(token: token, encodingAESKey: key, receiveID: corpID)
        let encrypt = try crypto.encrypt(Data(xml.utf8), random: DemoScenario.randomBytes(16))
        let envelope = "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><Encrypt><![CDATA[\(encrypt)]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
        return post(bot: "wecom-app", encrypt: encrypt, body: Data(envelope.utf8), crypto: crypto)
    }

    static func aiBotRequest(_ message: JSONValue) throws -> WebhookRequest {
        let crypto = try WeComCrypto(token: token, encodingAESKey: key, receiveID: "")
        let encrypt = try crypto.encrypt(JSONWriter.data(message), random: DemoScenario.randomBytes(16))
        return post(bot: "wecom-aibot", encrypt: encrypt, body: JSONWriter.data(["encrypt": .string(encrypt)]), crypto: crypto)
    }

    /// The JSON inside an AI bot's encrypted answer.
    static func answer(_ body: Data) throws -> JSONValue {
        let crypto = try WeComCrypto(token: token, encodingAESKey: key, receiveID: "")
        guard let encrypt = try JSONParser.parse(body)["encrypt"]?.string else { return .null }
        return try JSONParser.parse(try crypto.decrypt(encrypt))
    }

    private static func post(bot: String, encrypt: String, body: Data, crypto: WeComCrypto) -> WebhookRequest {
        let timestamp = DemoScenario.nowSeconds
        let nonce = String(Int.random(in: 100_000_000...999_999_999))
        let signature = crypto.signature(timestamp: timestamp, nonce: nonce, encrypt: encrypt)
        return WebhookRequest(method: .post, url: "/webhooks/\(bot)?msg_signature=\(signature)&timestamp=\(timestamp)&nonce=\(nonce)", body: body)
    }

    private static func compact(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.data(value), as: UTF8.self)
    }
}
