import Foundation
import SwitchboardCore

/// `mode: robot` — a group robot (群机器人) webhook: send-only, for notifications (platforms.md
/// §1b). It receives nothing; `deliver` posts the answer to the robot's webhook, at most 20
/// messages a minute (WeCom's limit per robot), `text` with the configured @-mentions,
/// `markdown` or `markdown_v2`.
struct WeComRobotAdapter: ChatAdapter, NotificationSending {
    enum MessageType: String, CaseIterable {
        case markdown
        case markdownV2 = "markdown_v2"
        case text
    }

    let botID: String
    var platform: String { WeComAdapterFactory.platformName }
    /// Holds the key, which is a secret: it never reaches a log or an error.
    let webhookURL: String
    let messageType: MessageType
    let mentionedList: [String]
    let mentionedMobileList: [String]
    let limiter: SendRateLimiter

    init(botID: String, config: ConfigSection) throws {
        self.botID = botID
        let key = try config.optionalString("webhook_key")
        let url = try config.optionalURL("webhook_url")
        switch (key, url) {
        case (let key?, nil):
            webhookURL = try WeComAdapterFactory.apiBase(config) + "/cgi-bin/webhook/send?key=" + PercentEncoding.queryValue(key)
        case (nil, let url?):
            webhookURL = url.absoluteString
        case (nil, nil):
            throw config.error("webhook_key", "is required (the key= part of the robot's webhook URL), or give webhook_url")
        case (.some, .some):
            throw config.error("webhook_url", "give webhook_key or webhook_url, not both")
        }
        let type = try config.string("message_type", default: MessageType.markdown.rawValue)
        guard let messageType = MessageType(rawValue: type) else {
            throw config.error("message_type", "must be one of \(MessageType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.messageType = messageType
        mentionedList = try config.stringList("mentioned_list") ?? []
        mentionedMobileList = try config.stringList("mentioned_mobile_list") ?? []
        limiter = SendRateLimiter(limit: try config.int("max_per_minute", default: 20, range: 1...20), period: .seconds(60))
    }

    var target: RenderTarget {
        switch messageType {
        case .markdown: .wecomMarkdown
        case .markdownV2: .wecomMarkdownV2
        case .text: .wecomText
        }
    }

    var capabilities: AdapterCapabilities {
        AdapterCapabilities(maxMessageBytes: target.maxBytes, markdownDialect: target.dialect, groupsDeliverUnmentionedMessages: false)
    }

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        throw WebhookRejection.methodNotAllowed("a WeCom group robot only sends; use mode: aibot to receive group messages")
    }

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        let answer = try await reply.collect()
        // A notification's own mentions join the configured ones.
        let asked = MentionList(event.notificationMentions)
        let mentioned = mentionedList + asked.userIDs + (asked.everyone ? ["@all"] : [])
        var parts = ReplyRenderer.render(answer, for: target).map(\.text)
        if messageType != .text, !asked.userIDs.isEmpty, !parts.isEmpty {
            // Markdown messages mention with <@userid> in the content [3P, M].
            parts[0] += "\n" + asked.userIDs.map { "<@\($0)>" }.joined(separator: " ")
        }
        let bodies = try Self.bodies(parts, type: messageType, mentioned: mentioned, mobiles: mentionedMobileList + asked.mobiles)
        var sent = try await context.replyState.load(Int.self, Self.sentKey) ?? 0
        for body in bodies.dropFirst(sent) {
            try await limiter.acquire()
            _ = try await WeComAPI.exchange(.post, url: webhookURL, api: "webhook/send", botID: botID, body: body, transport: context.transport)
            sent += 1
            try await context.replyState.save(Self.sentKey, sent)
        }
        return DeliveryReceipt()
    }

    /// The request bodies for these parts; mentions go with the first text message only.
    static func bodies(_ parts: [String], type: MessageType, mentioned: [String], mobiles: [String]) throws -> [Data] {
        try parts.filter { !$0.isEmpty }.enumerated().map { index, part in
            let message: WeComPayloads.RobotMessage = switch type {
            case .text:
                WeComPayloads.RobotMessage(
                    msgtype: "text",
                    text: .init(
                        content: part, mentionedList: index == 0 && !mentioned.isEmpty ? mentioned : nil,
                        mentionedMobileList: index == 0 && !mobiles.isEmpty ? mobiles : nil
                    )
                )
            case .markdown: WeComPayloads.RobotMessage(msgtype: "markdown", markdown: .init(content: part))
            case .markdownV2: WeComPayloads.RobotMessage(msgtype: "markdown_v2", markdownV2: .init(content: part))
            }
            return try WeComPayloads.encode(message)
        }
    }

    static let sentKey = "wecom.sent_parts"
}

extension WeComRobotAdapter {
    /// The robot's webhook is the destination: chat and user are not used.
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        .notification(id: id, adapter: self, conversation: Conversation(id: botID, type: .group), text: "", mentions: mentions, now: now)
    }
}
