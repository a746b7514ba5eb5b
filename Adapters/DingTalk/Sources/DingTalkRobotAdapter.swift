import Foundation
import SwitchboardCore

/// `mode: robot` — a group's custom robot (自定义机器人), send-only: a notification target
/// (platforms.md §3c). With a `secret` (加签) every request carries `timestamp` and the URL-encoded
/// `sign`; at most 20 messages a minute (DingTalk throttles a robot for 10 minutes past that); a
/// configured keyword is added to a message that lacks it, since DingTalk refuses those (310000).
struct DingTalkRobotAdapter: ChatAdapter, NotificationSending {
    let botID: String
    var platform: String { DingTalkAdapterFactory.platformName }
    let webhookURL: String
    let secret: String?
    let keyword: String?
    let messageKind: DingTalkPayloads.Kind
    let atMobiles: [String]
    let atAll: Bool
    let limiter: SendRateLimiter

    init(botID: String, config: ConfigSection) throws {
        self.botID = botID
        if let url = try config.optionalURL("webhook_url") {
            webhookURL = url.absoluteString
        } else if let token = try config.optionalString("access_token") {
            webhookURL = "https://oapi.dingtalk.com/robot/send?access_token=\(token)"
        } else {
            throw config.error("webhook_url", "is required (the robot's webhook URL), or access_token")
        }
        secret = try config.optionalString("secret").flatMap { $0.isEmpty ? nil : $0 }
        if let secret, !secret.hasPrefix("SEC") { throw config.error("secret", "must be the robot's 加签 secret, which starts with SEC") }
        keyword = try config.optionalString("keyword").flatMap { $0.isEmpty ? nil : $0 }
        let kind = try config.string("message_type", default: DingTalkPayloads.Kind.markdown.rawValue)
        guard let messageKind = DingTalkPayloads.Kind(rawValue: kind) else { throw config.error("message_type", "must be markdown or text") }
        self.messageKind = messageKind
        atMobiles = try config.stringList("at_mobiles") ?? []
        atAll = try config.bool("at_all", default: false)
        limiter = SendRateLimiter(limit: try config.int("max_per_minute", default: 20, range: 1...20), period: .seconds(60))
    }

    var capabilities: AdapterCapabilities {
        AdapterCapabilities(maxMessageBytes: messageKind.target.maxBytes, markdownDialect: messageKind.target.dialect, groupsDeliverUnmentionedMessages: false)
    }

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        throw WebhookRejection.methodNotAllowed("a DingTalk custom robot only sends; use mode: stream or http to receive messages")
    }

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        let parts = ReplyRenderer.render(try await reply.collect(), for: messageKind.target).map(\.text).filter { !$0.isEmpty }
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send(parts) { part, index, _ in
            try await limiter.acquire()
            let body = body(part, first: index == 0, asked: MentionList(event.notificationMentions))
            _ = try await DingTalkAPI.exchange(url: signedURL(now: Date()), api: "robot/send", botID: botID, body: body, transport: context.transport)
        }
        return DeliveryReceipt()
    }

    static let sentKey = "dingtalk.robot_sent_parts"

    func body(_ part: String, first: Bool, asked: MentionList = MentionList([])) -> JSONValue {
        var text = part
        if let keyword, !text.contains(keyword) { text += "\n\n" + keyword }
        // Mentions go with the first part only; the text must name them too [M].
        let mobiles = first ? atMobiles + asked.mobiles : []
        let users = first ? asked.userIDs : []
        let named = mobiles + users
        if !named.isEmpty { text += "\n\n" + named.map { "@\($0)" }.joined(separator: " ") }
        return DingTalkPayloads.message(messageKind, text, atUserIDs: users, atMobiles: mobiles, atAll: first && (atAll || asked.everyone))
    }

    /// The webhook URL with `timestamp` (ms) and `sign` when a secret is configured.
    func signedURL(now: Date) -> String {
        guard let secret else { return webhookURL }
        let timestamp = String(Int64(now.timeIntervalSince1970 * 1000))
        let sign = DingTalkSignature.sign(timestamp: timestamp, secret: secret)
        return webhookURL + (webhookURL.contains("?") ? "&" : "?") + "timestamp=\(timestamp)&sign=\(PercentEncoding.queryValue(sign))"
    }
}

extension DingTalkRobotAdapter {
    /// The robot's webhook is the destination.
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        .notification(id: id, adapter: self, conversation: Conversation(id: botID, type: .group), text: "", mentions: mentions, now: now)
    }
}
