import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardFeishu
import SwitchboardWeCom

/// The platforms' side of the demo: requests signed and encrypted exactly as WeCom, Feishu and
/// DingTalk send them, with the demo's fake keys (the fixtures' keys).
struct DemoRequests {
    static let weComToken = "QDG6eK"
    static let weComKey = "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"
    static let corpID = "wwfa6c0ffee1234567"
    static let feishuToken = "demo-verification-token"
    static let feishuKey = "demo-encrypt-key"
    static let feishuBot = "ou_demo_bot_0000000000000000000000"
    static let dingTalkSecret = "demo-dingtalk-app-secret"

    let sink: String

    var yaml: String {
        """
        backends: {echo: {type: echo, delay_ms: 250}}
        bots:
          wecom-app: {platform: wecom, mode: app, corp_id: \(Self.corpID), agent_id: 1000002, secret: demo-app-secret, token: \(Self.weComToken), encoding_aes_key: "\(Self.weComKey)", api_base: "\(sink)"}
          wecom-aibot: {platform: wecom, mode: aibot, token: \(Self.weComToken), encoding_aes_key: "\(Self.weComKey)", bot_name: AI助手}
          feishu-main: {platform: feishu, app_id: cli_demo, app_secret: demo-app-secret, verification_token: \(Self.feishuToken), encrypt_key: \(Self.feishuKey), bot_open_id: \(Self.feishuBot), host: "\(sink)", update_interval: 200ms}
          dingtalk-main: {platform: dingtalk, mode: http, app_key: dingdemo, app_secret: \(Self.dingTalkSecret), api_base: "\(sink)"}
        engine: {poll_interval: 50ms}
        """
    }

    static var now: String { String(Int(Date().timeIntervalSince1970)) }

    // MARK: WeCom

    func weComApp(msgID: Int, text: String) throws -> WebhookRequest {
        let xml = "<xml><ToUserName><![CDATA[\(Self.corpID)]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            + "<CreateTime>\(Self.now)</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\(text)]]></Content>"
            + "<MsgId>\(msgID)</MsgId><AgentID>1000002</AgentID></xml>"
        let crypto = try WeComCrypto(token: Self.weComToken, encodingAESKey: Self.weComKey, receiveID: Self.corpID)
        let encrypt = try crypto.encrypt(Data(xml.utf8), random: Self.random(16))
        let envelope = "<xml><ToUserName><![CDATA[\(Self.corpID)]]></ToUserName><Encrypt><![CDATA[\(encrypt)]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
        return weComPost(bot: "wecom-app", encrypt: encrypt, body: Data(envelope.utf8), crypto: crypto)
    }

    func weComAIBot(_ message: JSONValue) throws -> WebhookRequest {
        let crypto = try WeComCrypto(token: Self.weComToken, encodingAESKey: Self.weComKey, receiveID: "")
        let encrypt = try crypto.encrypt(JSONWriter.data(message), random: Self.random(16))
        return weComPost(bot: "wecom-aibot", encrypt: encrypt, body: JSONWriter.data(["encrypt": .string(encrypt)]), crypto: crypto)
    }

    /// The JSON inside an AI bot's encrypted answer.
    static func openAIBotAnswer(_ body: Data) throws -> JSONValue {
        let crypto = try WeComCrypto(token: weComToken, encodingAESKey: weComKey, receiveID: "")
        guard let encrypt = try JSONParser.parse(body)["encrypt"]?.string else { return .null }
        return try JSONParser.parse(try crypto.decrypt(encrypt))
    }

    private func weComPost(bot: String, encrypt: String, body: Data, crypto: WeComCrypto) -> WebhookRequest {
        let timestamp = Self.now
        let nonce = String(Int.random(in: 100_000_000...999_999_999))
        let signature = crypto.signature(timestamp: timestamp, nonce: nonce, encrypt: encrypt)
        return WebhookRequest(method: .post, url: "/webhooks/\(bot)?msg_signature=\(signature)&timestamp=\(timestamp)&nonce=\(nonce)", body: body)
    }

    // MARK: Feishu

    func feishu(eventID: String, messageID: String, text: String) throws -> WebhookRequest {
        let content = String(decoding: JSONWriter.data(["text": .string("@_user_1 \(text)")]), as: UTF8.self)
        let event: JSONValue = [
            "schema": "2.0",
            "header": [
                "event_id": .string(eventID), "event_type": "im.message.receive_v1", "create_time": .string(Self.now + "000"),
                "token": .string(Self.feishuToken), "app_id": "cli_demo", "tenant_key": "demo-tenant",
            ],
            "event": [
                "sender": ["sender_id": ["open_id": "ou_zhangsan_demo"], "sender_type": "user"],
                "message": [
                    "message_id": .string(messageID), "create_time": .string(Self.now + "000"), "chat_id": "oc_demo_group", "chat_type": "group",
                    "message_type": "text", "content": .string(content),
                    "mentions": [["key": "@_user_1", "id": ["open_id": .string(Self.feishuBot)], "name": "AI助手"]],
                ],
            ],
        ]
        let crypto = FeishuCrypto(encryptKey: Self.feishuKey)
        let body = JSONWriter.data(["encrypt": .string(try crypto.encrypt(JSONWriter.data(event), iv: Self.random(16)))])
        let timestamp = Self.now
        let nonce = UUID().uuidString
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = timestamp
        headers[HTTPField.Name("X-Lark-Request-Nonce")!] = nonce
        headers[HTTPField.Name("X-Lark-Signature")!] = crypto.signature(timestamp: timestamp, nonce: nonce, body: body)
        return WebhookRequest(method: .post, url: "/webhooks/feishu-main", headers: headers, body: body)
    }

    // MARK: DingTalk

    func dingTalk(msgID: String, text: String) -> WebhookRequest {
        let milliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        let message: JSONValue = [
            "conversationId": "cid-demo-group", "conversationType": "2", "conversationTitle": "产品研发群",
            "chatbotUserId": "$:LWCP_v1:$demo-bot", "atUsers": [["dingtalkId": "$:LWCP_v1:$demo-bot", "staffId": ""]],
            "msgId": .string(msgID), "senderNick": "张三", "senderStaffId": "032615015535634423", "senderId": "$:LWCP_v1:$demo-sender",
            "sessionWebhook": .string(sink + "/robot/sendBySession?session=demo"), "sessionWebhookExpiredTime": .number(Double(milliseconds + 5_400_000)),
            "createAt": .number(Double(milliseconds)), "isInAtList": true, "robotCode": "dingdemo", "msgtype": "text",
            "text": ["content": .string(" " + text)],
        ]
        let timestamp = String(milliseconds)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("timestamp")!] = timestamp
        headers[HTTPField.Name("sign")!] = DingTalkSignature.sign(timestamp: timestamp, secret: Self.dingTalkSecret)
        return WebhookRequest(method: .post, url: "/webhooks/dingtalk-main", headers: headers, body: JSONWriter.data(message))
    }

    static func random(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255) }
    }
}
