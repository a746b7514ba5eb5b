import Foundation
import HTTPTypes
import SwitchboardCore

/// `switchboard demo` for DingTalk: a signed group @-message over the HTTP callback, answered
/// through its session webhook. Fake keys.
enum DingTalkDemo {
    static let secret = "demo-dingtalk-app-secret"

    static let groupMessage = DemoScenario(
        title: "DingTalk: a group @-message over the HTTP callback, answered through its session webhook",
        botID: "dingtalk-main",
        bot: { sink in "{platform: dingtalk, mode: http, app_key: dingdemo, app_secret: \(secret), api_base: \"\(sink)\", oapi_base: \"\(sink)\"}" },
        play: { stage in try await stage.show(message(msgID: "demo-ding-1", text: "明天几点开会？", sink: stage.sinkURL), bot: "dingtalk-main") }
    )

    static func message(msgID: String, text: String, sink: String) -> WebhookRequest {
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
        headers[HTTPField.Name("sign")!] = DingTalkSignature.sign(timestamp: timestamp, secret: secret)
        return WebhookRequest(method: .post, url: "/webhooks/dingtalk-main", headers: headers, body: JSONWriter.data(message))
    }
}
