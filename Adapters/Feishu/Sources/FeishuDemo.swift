import Foundation
import HTTPTypes
import SwitchboardCore

/// `switchboard demo` for Feishu: an encrypted, signed group @-message answered in a card updated
/// in place, then the same event again — acknowledged and dropped. Fake keys.
enum FeishuDemo {
    static let token = "demo-verification-token"
    static let key = "demo-encrypt-key"
    static let botOpenID = "ou_demo_bot_0000000000000000000000"

    static let groupMessage = DemoScenario(
        title: "Feishu: a group @-message, answered in a CardKit card that types itself; then Feishu delivers it again",
        botID: "feishu-main",
        bot: { sink in
            "{platform: feishu, app_id: cli_demo, app_secret: demo-app-secret, verification_token: \(token), encrypt_key: \(key), bot_open_id: \(botOpenID), host: \"\(sink)\", update_interval: 200ms}"
        },
        sinkAnswers: openAPI,
        play: { stage in
            let request = try message(eventID: "demo-event-1", messageID: "om_demo_question", text: "帮我总结一下本周进展")
            try await stage.show(request, bot: "feishu-main")
            stage.say("  … a redelivery: Feishu sends the same event again (as it does when an ack is late)")
            try await stage.redeliver(request, key: "message_id")
        }
    )

    /// The Open API calls a bot makes: the tenant token, the CardKit card, the message carrying it.
    static let openAPI = [
        DemoSinkAnswer("POST", "/open-apis/auth/v3/tenant_access_token/internal", json: #"{"code":0,"msg":"ok","tenant_access_token":"t-demo","expire":7200}"#),
        DemoSinkAnswer("POST", "/open-apis/cardkit/v1/cards", json: #"{"code":0,"msg":"success","data":{"card_id":"7355372766134157313"}}"#),
        DemoSinkAnswer("PUT", "/open-apis/cardkit/v1/cards/", json: #"{"code":0,"msg":"success","data":{}}"#),
        DemoSinkAnswer("PATCH", "/open-apis/cardkit/v1/cards/", json: #"{"code":0,"msg":"success","data":{}}"#),
        DemoSinkAnswer("POST", "/open-apis/im/v1/messages", json: #"{"code":0,"msg":"success","data":{"message_id":"om_demo_card"}}"#),
        DemoSinkAnswer("PATCH", "/open-apis/im/v1/messages", json: #"{"code":0,"msg":"success","data":{}}"#),
    ]

    static func message(eventID: String, messageID: String, text: String) throws -> WebhookRequest {
        let event = self.event(eventID: eventID, messageID: messageID, text: text, appID: "cli_demo", token: token)
        let now = DemoScenario.nowSeconds
        let crypto = FeishuCrypto(encryptKey: key)
        let body = JSONWriter.data(["encrypt": .string(try crypto.encrypt(JSONWriter.data(event), iv: DemoScenario.randomBytes(16)))])
        let nonce = UUID().uuidString
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = now
        headers[HTTPField.Name("X-Lark-Request-Nonce")!] = nonce
        headers[HTTPField.Name("X-Lark-Signature")!] = crypto.signature(timestamp: now, nonce: nonce, body: body)
        return WebhookRequest(method: .post, url: "/webhooks/feishu-main", headers: headers, body: body)
    }

    /// `im.message.receive_v1` for a group message that @-mentions the bot (platforms.md §2a).
    static func event(eventID: String, messageID: String, text: String, appID: String, token: String) -> JSONValue {
        let now = DemoScenario.nowSeconds
        let content = String(decoding: JSONWriter.data(["text": .string("@_user_1 \(text)")]), as: UTF8.self)
        return [
            "schema": "2.0",
            "header": [
                "event_id": .string(eventID), "event_type": "im.message.receive_v1", "create_time": .string(now + "000"),
                "token": .string(token), "app_id": .string(appID), "tenant_key": "demo-tenant",
            ],
            "event": [
                "sender": ["sender_id": ["open_id": "ou_zhangsan_demo"], "sender_type": "user"],
                "message": [
                    "message_id": .string(messageID), "create_time": .string(now + "000"), "chat_id": "oc_demo_group", "chat_type": "group",
                    "message_type": "text", "content": .string(content),
                    "mentions": [["key": "@_user_1", "id": ["open_id": .string(botOpenID)], "name": "AI助手"]],
                ],
            ],
        ]
    }
}
