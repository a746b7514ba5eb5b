import Foundation
import HTTPTypes
import SwitchboardCore

/// `switchboard-telegram demo`: a supergroup message that @-mentions the bot, answered with a
/// placeholder edited in place; then Telegram delivers the same update again.
enum TelegramDemo {
    static let token = "7000000001:AAdemo-not-a-real-token"
    static let secret = "demo-telegram-secret"

    static let groupMention = DemoScenario(
        title: "Telegram: a supergroup message that @-mentions the bot, answered in a message edited in place; then a redelivery",
        botID: "telegram-main",
        bot: { sink in
            "{platform: telegram, bot_token: \"\(token)\", secret_token: \(secret), bot_username: switchboard_demo_bot, api_base: \"\(sink)\", update_interval: 300ms}"
        },
        sinkAnswers: [
            DemoSinkAnswer("POST", "/bot\(token)/sendMessage", json: #"{"ok":true,"result":{"message_id":9001,"chat":{"id":-1002233445566,"type":"supergroup"},"date":1733140801,"text":"…"}}"#),
            DemoSinkAnswer("POST", "/bot\(token)/editMessageText", json: #"{"ok":true,"result":{"message_id":9001,"chat":{"id":-1002233445566,"type":"supergroup"},"date":1733140801}}"#),
        ],
        // The token sits in the Bot API's URL path; the secret in a header.
        secrets: [token, secret],
        play: { stage in
            let request = update(id: 640_000_001, text: "@switchboard_demo_bot 这个服务怎么部署？")
            try await stage.show(request, bot: "telegram-main")
            stage.say("  … a redelivery: Telegram sends the same update again (as it does when an answer is slow)")
            try await stage.redeliver(request, key: "update_id")
        }
    )

    static func update(id: Int, text: String) -> WebhookRequest {
        let mention = "@switchboard_demo_bot"
        let update: JSONValue = [
            "update_id": .number(Double(id)),
            "message": [
                "message_id": 4821, "message_thread_id": 77, "is_topic_message": true,
                "from": ["id": 7_261_534_098, "is_bot": false, "first_name": "Li", "last_name": "Wei", "username": "liwei_dev", "language_code": "zh-hans"],
                "chat": ["id": -1_002_233_445_566, "title": "Platform team", "is_forum": true, "type": "supergroup"],
                "date": .number(Double(DemoScenario.nowSeconds) ?? 0), "text": .string(text),
                "entities": [["offset": 0, "length": .number(Double(mention.utf16.count)), "type": "mention"]],
            ],
        ]
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] = secret
        return WebhookRequest(method: .post, url: "/webhooks/telegram-main", headers: headers, body: JSONWriter.data(update))
    }
}
