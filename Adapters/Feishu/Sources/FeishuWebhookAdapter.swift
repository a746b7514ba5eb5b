import Crypto
import Foundation
import SwitchboardCore

/// `mode: webhook` — a group's custom bot (自定义机器人), send-only: a notification target
/// (platforms.md §2d). Requests are signed when a `secret` is configured: `sign` =
/// base64(HMAC-SHA256(key: timestamp + "\n" + secret, message: empty)), timestamp in seconds.
struct FeishuWebhookAdapter: ChatAdapter, NotificationSending {
    let botID: String
    var platform: String { FeishuAdapterFactory.platformName }
    let url: String
    let secret: String?
    let messageKind: FeishuMessageKind

    init(botID: String, config: ConfigSection) throws {
        self.botID = botID
        url = try config.url("webhook_url").absoluteString
        secret = try config.optionalString("secret").flatMap { $0.isEmpty ? nil : $0 }
        let kind = try config.string("message_type", default: FeishuMessageKind.card.rawValue)
        guard let messageKind = FeishuMessageKind(rawValue: kind) else { throw config.error("message_type", "must be card, post or text") }
        self.messageKind = messageKind
    }

    var target: RenderTarget {
        switch messageKind {
        case .card: .feishuWebhookCard
        case .post: .feishuWebhookPost
        case .text: .feishuWebhookText
        }
    }

    var capabilities: AdapterCapabilities {
        AdapterCapabilities(maxMessageBytes: target.maxBytes, markdownDialect: target.dialect, groupsDeliverUnmentionedMessages: false)
    }

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        throw WebhookRejection.methodNotAllowed("a Feishu custom bot only sends; use mode: app to receive messages")
    }

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        var parts = ReplyRenderer.render(try await reply.collect(), for: target).map(\.text).filter { !$0.isEmpty }
        if !parts.isEmpty { parts[0] = FeishuPayloads.mentioning(event.notificationMentions, in: parts[0], kind: messageKind) }
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send(parts) { part, _, _ in
            let body = try Self.body(part, kind: messageKind, secret: secret, now: Date())
            _ = try await FeishuAPI.exchange(.post, url: url, api: "custom bot", botID: botID, token: nil, body: body, transport: context.transport)
        }
        return DeliveryReceipt()
    }

    static let sentKey = "feishu.webhook_sent_parts"

    /// `{"timestamp", "sign", "msg_type", "content" | "card"}`; `content` is an object here.
    static func body(_ part: String, kind: FeishuMessageKind, secret: String?, now: Date) throws -> Data {
        var object: [String: JSONValue] = [:]
        switch kind {
        case .card:
            object["msg_type"] = "interactive"
            object["card"] = try JSONParser.parse(try FeishuPayloads.encode(FeishuPayloads.Card(markdown: part)))
        case .post:
            object["msg_type"] = "post"
            object["content"] = .object(["post": try JSONParser.parse(part)])
        case .text:
            object["msg_type"] = "text"
            object["content"] = .object(["text": .string(part)])
        }
        if let secret {
            let timestamp = String(Int(now.timeIntervalSince1970))
            object["timestamp"] = .string(timestamp)
            object["sign"] = .string(sign(timestamp: timestamp, secret: secret))
        }
        return try FeishuPayloads.encode(object)
    }

    /// The key is `timestamp + "\n" + secret` and the message is empty — the opposite of DingTalk.
    static func sign(timestamp: String, secret: String) -> String {
        let key = SymmetricKey(data: Data("\(timestamp)\n\(secret)".utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: Data(), using: key)).base64EncodedString()
    }
}

extension FeishuWebhookAdapter {
    /// The custom bot's webhook is the destination.
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        if let refusal = FeishuPayloads.refusal(mentions: mentions) { throw refusal }
        return .notification(id: id, adapter: self, conversation: Conversation(id: botID, type: .group), text: "", mentions: mentions, now: now)
    }
}
