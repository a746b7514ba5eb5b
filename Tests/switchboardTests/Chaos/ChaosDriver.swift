import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardFeishu
import SwitchboardServer
import SwitchboardTesting
import SwitchboardWeCom
import Synchronization

/// Plays the platforms' side of the chaos run: each question sent as its platform sends it —
/// encrypted and signed, to one of the replicas — and sent again until a replica acknowledges it
/// (the server may be down), then sometimes again later, as platforms redeliver. The WeCom AI bot
/// is polled until its stream finishes; DingTalk Stream frames are pushed down the bots' sockets
/// until acknowledged.
struct ChaosDriver: Sendable {
    static let weComToken = "QDG6eK"
    static let weComKey = "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"
    static let feishuToken = "chaosVerificationToken00"
    static let feishuKey = "chaosEncryptKey2026"
    static let genericSecret = "chaos-generic-secret-0123456789"

    static let bots = ["wecom-app", "wecom-aibot", "feishu", "ding-stream", "ding-http", "generic"]

    let platforms: ChaosPlatforms
    let cluster: ChaosCluster
    let transport: any HTTPTransport
    /// Per question, the answers the replicas gave (status, or the error), for a failed run's report.
    let attempts = Attempts()

    final class Attempts: Sendable {
        private let log = Mutex<[Int: [String]]>([:])
        func note(_ number: Int, _ outcome: String) { log.withLock { $0[number, default: []].append(outcome) } }
        func of(_ number: Int) -> [String] { log.withLock { $0[number] ?? [] } }
    }

    /// A replica, as a load balancer would pick one among those it knows.
    func replica() -> String {
        let ports = cluster.ports
        return "http://127.0.0.1:\(ports[Int(platforms.faults.random(in: 0...Double(ports.count) - 0.001))])"
    }

    /// Sends question `number` to `bot` until acknowledged, redelivering sometimes; gives up at
    /// `deadline` (the ledger then says "never answered").
    func ask(_ number: Int, bot: String, deadline: ContinuousClock.Instant) async {
        let tag = "[Q\(number)]"
        // What the platform stamps on the message once; redeliveries carry the same.
        let created = Int(Date().timeIntervalSince1970)
        var delivered = false
        while !delivered, ContinuousClock.now < deadline {
            delivered = await deliverOnce(number, bot: bot, created: created)
            if !delivered { try? await Task.sleep(for: .milliseconds(Int(platforms.faults.random(in: 200...700)))) }
        }
        // Platforms redeliver: after a time-out they did not notice was answered, after a restart.
        let redeliveries = platforms.faults.chance(0.3) ? Int(platforms.faults.random(in: 1...2.99)) : 0
        for _ in 0..<redeliveries {
            try? await Task.sleep(for: .milliseconds(Int(platforms.faults.random(in: 200...4000))))
            _ = await deliverOnce(number, bot: bot, created: created)
        }
        if bot == "wecom-aibot" { await pollAIBot(number, tag: tag, stream: "\(created)-aibotQ\(number)", deadline: deadline) }
    }

    /// One delivery attempt; true when a replica acknowledged it.
    func deliverOnce(_ number: Int, bot: String, created: Int) async -> Bool {
        do {
            switch bot {
            case "ding-stream": return await pushFrame(number, created: created)
            default:
                let request = try self.request(number, bot: bot, created: created)
                let response = try await transport.execute(request)
                let body = (try? await response.body.collect(upTo: 1 << 20)) ?? Data()
                attempts.note(number, "\(response.status.code) \(String(decoding: body.prefix(80), as: UTF8.self))")
                return response.status == .ok
            }
        } catch {
            attempts.note(number, "\(error)")
            return false
        }
    }

    func request(_ number: Int, bot: String, created: Int) throws -> OutboundRequest {
        let now = Date()
        let seconds = String(Int(now.timeIntervalSince1970))
        let text = "[Q\(number)] 请回答第\(number)个问题"
        switch bot {
        case "wecom-app":
            let xml = "<xml><ToUserName><![CDATA[\(ChaosPlatforms.weComCorp)]]></ToUserName><FromUserName><![CDATA[uQ\(number)]]></FromUserName>"
                + "<CreateTime>\(created)</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\(text)]]></Content>"
                + "<MsgId>\(7_000_000_000 + number)</MsgId><AgentID>1000002</AgentID></xml>"
            return try weCom(bot: bot, plain: Data(xml.utf8), receiveID: ChaosPlatforms.weComCorp, xml: true, seconds: seconds)
        case "wecom-aibot":
            let message: JSONValue = [
                "msgid": .string("aibotQ\(number)"), "aibotid": "aibChaos", "chattype": "single", "from": ["userid": .string("uQ\(number)")],
                "create_time": .number(Double(created)), "response_url": .string("\(platforms.url)/aibot/response/Q\(number)"),
                "msgtype": "text", "text": ["content": .string(text)],
            ]
            return try weCom(bot: bot, plain: JSONWriter.data(message), receiveID: "", xml: false, seconds: seconds)
        case "feishu":
            let milliseconds = String(created * 1000)
            let event: JSONValue = [
                "schema": "2.0",
                "header": [
                    "event_id": .string("evQ\(number)"), "event_type": "im.message.receive_v1", "create_time": .string(milliseconds),
                    "token": .string(Self.feishuToken), "app_id": .string(ChaosPlatforms.feishuAppID), "tenant_key": "2ca1d211f64f6438",
                ],
                "event": [
                    "sender": ["sender_id": ["open_id": .string("ou_userQ\(number)"), "union_id": "on_x", "user_id": ""], "sender_type": "user"],
                    "message": [
                        "message_id": .string("om_Q\(number)"), "create_time": .string(milliseconds), "chat_id": .string("oc_Q\(number)"),
                        "chat_type": "p2p", "message_type": "text", "content": .string(String(decoding: JSONWriter.data(["text": .string(text)]), as: UTF8.self)),
                    ],
                ],
            ]
            let crypto = FeishuCrypto(encryptKey: Self.feishuKey)
            let body = JSONWriter.data(["encrypt": .string(try crypto.encrypt(JSONWriter.data(event), iv: (0..<16).map { _ in UInt8.random(in: 0...255) }))])
            let nonce = UUID().uuidString
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
            headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = seconds
            headers[HTTPField.Name("X-Lark-Request-Nonce")!] = nonce
            headers[HTTPField.Name("X-Lark-Signature")!] = crypto.signature(timestamp: seconds, nonce: nonce, body: body)
            return OutboundRequest(method: .post, url: "\(replica())/webhooks/feishu", headers: headers, body: body, timeout: .seconds(10))
        case "ding-http":
            let body = JSONWriter.data(dingTalkMessage(number, text: text, created: created))
            let timestamp = String(Int64(now.timeIntervalSince1970 * 1000))
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[HTTPField.Name("timestamp")!] = timestamp
            headers[HTTPField.Name("sign")!] = DingTalkSignature.sign(timestamp: timestamp, secret: ChaosPlatforms.dingTalkSecret)
            return OutboundRequest(method: .post, url: "\(replica())/webhooks/ding-http", headers: headers, body: body, timeout: .seconds(10))
        default:
            let event: JSONValue = [
                "id": .string("Q\(number)"), "platform": "generic", "conversation": ["id": .string("cQ\(number)"), "type": "direct"],
                "sender": ["id": .string("uQ\(number)")], "text": .string(text), "timestamp": .number(Double(created * 1000)),
            ]
            let body = JSONWriter.data(event)
            var headers = GenericSignature(secret: Self.genericSecret).headers(for: body, now: now)
            headers[.contentType] = "application/json"
            return OutboundRequest(method: .post, url: "\(replica())/webhooks/generic", headers: headers, body: body, timeout: .seconds(10))
        }
    }

    /// A WeCom callback: the message encrypted, signed over the ciphertext, in its envelope.
    func weCom(bot: String, plain: Data, receiveID: String, xml: Bool, seconds: String) throws -> OutboundRequest {
        let crypto = try WeComCrypto(token: Self.weComToken, encodingAESKey: Self.weComKey, receiveID: receiveID)
        let encrypt = try crypto.encrypt(plain, random: WeComCrypto.randomPrefix())
        let nonce = String(Int.random(in: 100_000_000...999_999_999))
        let signature = crypto.signature(timestamp: seconds, nonce: nonce, encrypt: encrypt)
        let body = xml
            ? Data("<xml><ToUserName><![CDATA[\(receiveID)]]></ToUserName><Encrypt><![CDATA[\(encrypt)]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>".utf8)
            : JSONWriter.data(["encrypt": .string(encrypt)])
        return OutboundRequest(
            method: .post, url: "\(replica())/webhooks/\(bot)?msg_signature=\(signature)&timestamp=\(seconds)&nonce=\(nonce)",
            headers: [.contentType: xml ? "text/xml" : "application/json"], body: body, timeout: .seconds(10)
        )
    }

    /// A robot message as platforms.md §3a shows it, in a one-to-one chat of its own.
    func dingTalkMessage(_ number: Int, text: String, created: Int) -> JSONValue {
        let now = Int64(created) * 1000
        return [
            "conversationId": .string("cidQ\(number)"), "conversationType": "1", "chatbotUserId": "$:LWCP_v1:$chaosbot", "msgId": .string("msgQ\(number)"),
            "senderNick": "张三", "senderStaffId": .string("staffQ\(number)"), "senderId": .string("$:LWCP_v1:$userQ\(number)"),
            "sessionWebhookExpiredTime": .number(Double(now + 90 * 60 * 1000)), "createAt": .number(Double(now)), "isInAtList": false,
            "sessionWebhook": .string("\(platforms.url)/dingtalk/session/Q\(number)"), "robotCode": .string(ChaosPlatforms.dingTalkKey),
            "msgtype": "text", "text": ["content": .string(" " + text)],
        ]
    }

    /// A Stream CALLBACK frame, pushed until a replica acks it.
    func pushFrame(_ number: Int, created: Int) async -> Bool {
        let messageID = "frameQ\(number)"
        let frame: JSONValue = [
            "specVersion": "1.0", "type": "CALLBACK",
            "headers": ["appId": "chaos-app", "contentType": "application/json", "messageId": .string(messageID), "topic": "/v1.0/im/bot/messages/get"],
            "data": .string(String(decoding: JSONWriter.data(dingTalkMessage(number, text: "[Q\(number)] 请回答第\(number)个问题", created: created)), as: UTF8.self)),
        ]
        guard await platforms.push(String(decoding: JSONWriter.data(frame), as: UTF8.self)) else { return false }
        return (try? await waitUntil("the ack of \(messageID)", timeout: .seconds(3), poll: .milliseconds(50)) { platforms.acked(messageID) }) != nil
    }

    /// WeCom polls an AI-bot stream until it is finished; the last frame is the answer the user sees.
    func pollAIBot(_ number: Int, tag: String, stream: String, deadline: ContinuousClock.Instant) async {
        let crypto = try? WeComCrypto(token: Self.weComToken, encodingAESKey: Self.weComKey, receiveID: "")
        var poll = 0
        while ContinuousClock.now < deadline, let crypto {
            poll += 1
            let message: JSONValue = [
                "msgid": .string("pollQ\(number)-\(poll)"), "aibotid": "aibChaos", "chattype": "single", "from": ["userid": .string("uQ\(number)")],
                "msgtype": "stream", "stream": ["id": .string(stream)],
            ]
            if let request = try? weCom(bot: "wecom-aibot", plain: JSONWriter.data(message), receiveID: "", xml: false, seconds: String(Int(Date().timeIntervalSince1970))),
                let response = try? await transport.execute(request), response.status == .ok,
                let body = try? await response.body.collect(upTo: 1 << 20),
                let envelope = try? JSONParser.parse(body), let encrypt = envelope["encrypt"]?.string,
                let plain = try? crypto.decrypt(encrypt), let frame = try? JSONParser.parse(plain),
                frame["stream"]?["finish"] == .bool(true)
            {
                platforms.ledger.shows(tag: tag, identity: "aibot-stream", content: frame["stream"]?["content"]?.string ?? "")
                return
            }
            try? await Task.sleep(for: .milliseconds(300))
        }
    }
}
