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
        let parts = ReplyRenderer.render(answer, for: target).map(\.text)
        let bodies = try Self.bodies(parts, type: messageType, mentions: mentions(asked: event.notificationMentions))
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send(bodies) { body, _, _ in
            try await limiter.acquire()
            _ = try await WeComAPI.exchange(.post, url: webhookURL, api: "webhook/send", botID: botID, body: body, transport: context.transport)
        }
        return DeliveryReceipt()
    }

    /// Whom to @: the configured `mentioned_list` / `mentioned_mobile_list` and a notification's own.
    func mentions(asked: [String]) -> MentionList {
        var list = MentionList(mentionedList.filter { $0 != "@all" } + asked)
        list.mobiles = mentionedMobileList.filter { $0 != "@all" } + list.mobiles
        list.everyone = list.everyone || mentionedList.contains("@all") || mentionedMobileList.contains("@all")
        return list
    }

    /// Sent after a markdown message whose @-mentions WeCom only takes in a text message.
    static let mentionsFollowUp = "⬆️ 请查看上方消息 / See the message above"

    /// The request bodies for these parts. WeCom @-mentions differ by type (platforms.md §1b):
    /// `text` carries `mentioned_list` (user ids, "@all") and `mentioned_mobile_list`; `markdown`
    /// mentions user ids with `<@id>` in its content but can neither @ everyone nor a phone number;
    /// `markdown_v2` cannot @ at all [3P]. What the type cannot carry goes in one short `text`
    /// message right after the answer, so an asked @ always happens. Mentions go with the first
    /// message only.
    static func bodies(_ parts: [String], type: MessageType, mentions: MentionList) throws -> [Data] {
        let parts = parts.filter { !$0.isEmpty }
        var messages: [WeComPayloads.RobotMessage] = []
        var followUp = MentionList([])
        for (index, part) in parts.enumerated() {
            let first = index == 0
            switch type {
            case .text:
                let users = mentions.userIDs + (mentions.everyone ? ["@all"] : [])
                messages.append(WeComPayloads.RobotMessage(
                    msgtype: "text",
                    text: .init(
                        content: part, mentionedList: first && !users.isEmpty ? users : nil,
                        mentionedMobileList: first && !mentions.mobiles.isEmpty ? mentions.mobiles : nil
                    )
                ))
            case .markdown:
                let tags = first && !mentions.userIDs.isEmpty ? "\n" + mentions.userIDs.map { "<@\($0)>" }.joined(separator: " ") : ""
                messages.append(WeComPayloads.RobotMessage(msgtype: "markdown", markdown: .init(content: part + tags)))
                if first {
                    followUp.mobiles = mentions.mobiles
                    followUp.everyone = mentions.everyone
                }
            case .markdownV2:
                messages.append(WeComPayloads.RobotMessage(msgtype: "markdown_v2", markdownV2: .init(content: part)))
                if first { followUp = mentions }
            }
        }
        if !followUp.isEmpty {
            let users = followUp.userIDs + (followUp.everyone ? ["@all"] : [])
            messages.append(WeComPayloads.RobotMessage(
                msgtype: "text",
                text: .init(
                    content: mentionsFollowUp, mentionedList: users.isEmpty ? nil : users,
                    mentionedMobileList: followUp.mobiles.isEmpty ? nil : followUp.mobiles
                )
            ))
        }
        return try messages.map(WeComPayloads.encode)
    }

    static let sentKey = "wecom.sent_parts"
}

extension WeComRobotAdapter {
    /// The robot's webhook is the destination: chat and user are not used.
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        .notification(id: id, adapter: self, conversation: Conversation(id: botID, type: .group), text: "", mentions: mentions, now: now)
    }
}
