import Foundation
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardFeishu
import SwitchboardWeCom

/// A webhook as a platform sends it: path with query, headers, body.
struct SignedRequest: Sendable {
    var path: String
    var headers: [(String, String)] = [("Content-Type", "application/json")]
    var body: Data
}

/// The three platforms' group @-messages, signed and encrypted with the load's keys as the
/// platforms do (shapes from platforms.md: Feishu §2a, WeCom AI bot §1c, DingTalk §3a), and the
/// WeCom AI bot's stream polls. Messages go to 50 groups; every sender is a different person.
struct PlatformRequests: Sendable {
    static let feishuToken = "load-verification-token"
    static let feishuKey = "load-encrypt-key"
    static let feishuBot = "ou_load_bot_000000000000000000000"
    static let wecomToken = "QDG6eK"
    static let wecomKey = "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"
    static let dingtalkSecret = "load-dingtalk-app-secret"

    let fakes: String
    private let feishu = FeishuCrypto(encryptKey: feishuKey)
    private let wecom: WeComCrypto

    init(fakes: String) throws {
        self.fakes = fakes
        wecom = try WeComCrypto(token: Self.wecomToken, encodingAESKey: Self.wecomKey, receiveID: "")
    }

    /// The bots of the server's config, one per platform.
    func botsYAML() -> String {
        """
          feishu-load: {platform: feishu, app_id: cli_load, app_secret: load-app-secret, verification_token: \(Self.feishuToken), encrypt_key: \(Self.feishuKey), bot_open_id: \(Self.feishuBot), host: "\(fakes)"}
          wecom-load: {platform: wecom, mode: aibot, token: \(Self.wecomToken), encoding_aes_key: "\(Self.wecomKey)", bot_name: AI助手}
          dingtalk-load: {platform: dingtalk, mode: http, app_key: dingload, app_secret: \(Self.dingtalkSecret), api_base: "\(fakes)"}
        """
    }

    func request(for message: LoadMessage) throws -> SignedRequest {
        switch message.platform {
        case .feishu: try feishuMessage(message)
        case .wecom: try wecomRequest(wecomMessage(message))
        case .dingtalk: dingtalkMessage(message)
        }
    }

    // MARK: Feishu

    private func feishuMessage(_ message: LoadMessage) throws -> SignedRequest {
        let now = String(Int(Date().timeIntervalSince1970))
        let content = String(decoding: JSONWriter.data(["text": .string("@_user_1 \(message.text)")]), as: UTF8.self)
        let event: JSONValue = [
            "schema": "2.0",
            "header": [
                "event_id": .string("load-event-\(message.index)"), "event_type": "im.message.receive_v1", "create_time": .string(now + "000"),
                "token": .string(Self.feishuToken), "app_id": "cli_load", "tenant_key": "load-tenant",
            ],
            "event": [
                "sender": ["sender_id": ["open_id": .string("ou_load_\(message.userID)")], "sender_type": "user"],
                "message": [
                    "message_id": .string("om_load_\(message.index)"), "create_time": .string(now + "000"), "chat_id": .string("oc_load_group_\(message.index % 50)"),
                    "chat_type": "group", "message_type": "text", "content": .string(content),
                    "mentions": [["key": "@_user_1", "id": ["open_id": .string(Self.feishuBot)], "name": "AI助手"]],
                ],
            ],
        ]
        let body = JSONWriter.data(["encrypt": .string(try feishu.encrypt(JSONWriter.data(event), iv: Self.random(16)))])
        let nonce = UUID().uuidString
        return SignedRequest(
            path: "/webhooks/feishu-load",
            headers: [
                ("Content-Type", "application/json"), ("X-Lark-Request-Timestamp", now), ("X-Lark-Request-Nonce", nonce),
                ("X-Lark-Signature", feishu.signature(timestamp: now, nonce: nonce, body: body)),
            ],
            body: body
        )
    }

    // MARK: WeCom AI bot

    private func wecomMessage(_ message: LoadMessage) -> JSONValue {
        [
            "msgid": .string("load-\(message.index)"), "aibotid": "aibLoadBot0000000000000000000000", "chatid": .string("wr_load_group_\(message.index % 50)"),
            "chattype": "group", "from": ["userid": .string(message.userID)], "create_time": .number(Date().timeIntervalSince1970.rounded(.down)),
            "response_url": .string("\(fakes)/cgi-bin/aibot/response?response_code=load-\(message.index)"), "msgtype": "text",
            "text": ["content": .string("@AI助手 \(message.text)")],
        ]
    }

    /// WeCom asking for the stream's current content (§1c: a `stream` callback with the id).
    func wecomPoll(_ message: LoadMessage, stream: String, number: Int) throws -> SignedRequest {
        try wecomRequest([
            "msgid": .string("load-poll-\(message.index)-\(number)"), "aibotid": "aibLoadBot0000000000000000000000",
            "chatid": .string("wr_load_group_\(message.index % 50)"), "chattype": "group", "from": ["userid": .string(message.userID)],
            "msgtype": "stream", "stream": ["id": .string(stream)],
        ])
    }

    private func wecomRequest(_ message: JSONValue) throws -> SignedRequest {
        let encrypt = try wecom.encrypt(JSONWriter.data(message), random: Self.random(16))
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let nonce = String(Int.random(in: 100_000_000...999_999_999))
        let signature = wecom.signature(timestamp: timestamp, nonce: nonce, encrypt: encrypt)
        return SignedRequest(
            path: "/webhooks/wecom-load?msg_signature=\(signature)&timestamp=\(timestamp)&nonce=\(nonce)",
            body: JSONWriter.data(["encrypt": .string(encrypt)])
        )
    }

    /// The stream frame inside the AI bot's encrypted answer: (id, content, finish).
    func wecomFrame(_ body: Data) throws -> (id: String, content: String, finish: Bool) {
        guard let encrypt = try JSONParser.parse(body)["encrypt"]?.string else { throw LoadError("the WeCom answer has no encrypt field") }
        let frame = try JSONParser.parse(try wecom.decrypt(encrypt))
        return (frame["stream"]?["id"]?.string ?? "", frame["stream"]?["content"]?.string ?? "", frame["stream"]?["finish"] == .bool(true))
    }

    // MARK: DingTalk

    private func dingtalkMessage(_ message: LoadMessage) -> SignedRequest {
        let milliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        let body: JSONValue = [
            "conversationId": .string("cid-load-group-\(message.index % 50)"), "conversationType": "2", "conversationTitle": "产品研发群",
            "chatbotUserId": "$:LWCP_v1:$load-bot", "atUsers": [["dingtalkId": "$:LWCP_v1:$load-bot", "staffId": ""]],
            "msgId": .string("load-ding-\(message.index)"), "senderNick": "张三", "senderStaffId": .string(message.userID),
            "senderId": .string("$:LWCP_v1:$\(message.userID)"), "chatbotCorpId": "dingload-corp", "senderCorpId": "dingload-corp",
            "sessionWebhook": .string("\(fakes)/robot/sendBySession?session=\(message.index)"),
            "sessionWebhookExpiredTime": .number(Double(milliseconds + 5_400_000)), "createAt": .number(Double(milliseconds)),
            "isInAtList": true, "isAdmin": false, "robotCode": "dingload", "msgtype": "text", "text": ["content": .string(" " + message.text)],
        ]
        let timestamp = String(milliseconds)
        return SignedRequest(
            path: "/webhooks/dingtalk-load",
            headers: [("Content-Type", "application/json"), ("timestamp", timestamp), ("sign", DingTalkSignature.sign(timestamp: timestamp, secret: Self.dingtalkSecret))],
            body: JSONWriter.data(body)
        )
    }

    private static func random(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255) }
    }
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
