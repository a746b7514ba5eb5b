import Foundation
import SwitchboardCore

/// A verified payload as neutral events. Ids: a message is keyed by its `message_id`, so a
/// redelivery (same `event_id`) and the same message reaching us by another path (a 1.0 and a 2.0
/// subscription) are one event; other events by `event_id` (2.0) or `uuid` (1.0).
struct FeishuEventDecoder {
    let botID: String
    /// The bot's own open_id, to recognise its mention by identity; nil while unknown.
    let botOpenID: String?

    /// The events of a payload; empty for an event type the bot ignores.
    func events(_ payload: FeishuPayload) throws -> [ChatEvent] {
        if payload.schema?.isEmpty == false {
            switch payload.header?.eventType {
            case "im.message.receive_v1":
                return try message(payload).map { [$0] } ?? []
            case "im.chat.member.bot.added_v1":
                return try botAdded(payload).map { [$0] } ?? []
            case "card.action.trigger":
                return try cardAction(payload).map { [$0] } ?? []
            default:
                return []
            }
        }
        if payload.type == "event_callback", payload.event?.type == "message" {
            return try legacyMessage(payload).map { [$0] } ?? []
        }
        return []
    }

    // MARK: 2.0

    private func message(_ payload: FeishuPayload) throws -> ChatEvent? {
        guard let message = payload.event?.message, let messageID = message.messageID, !messageID.isEmpty,
            let chatID = message.chatID, !chatID.isEmpty
        else { throw WebhookRejection.badRequest("im.message.receive_v1 without message.message_id or chat_id") }
        guard let senderID = payload.event?.sender?.senderID?.openID, !senderID.isEmpty else {
            throw WebhookRejection.badRequest("im.message.receive_v1 without sender.sender_id.open_id")
        }
        let isGroup = message.chatType != "p2p"
        let mentions = message.mentions ?? []
        if isGroup, !mentions.isEmpty, botOpenID == nil {
            // Without the bot's identity a mention cannot be told apart; Feishu redelivers.
            throw WebhookRejection(
                status: .serviceUnavailable,
                reason: "the bot's open_id is not known yet (GET /open-apis/bot/v3/info has not answered); set bot_open_id to decode offline"
            )
        }
        let content = FeishuContent { key in
            if key == "@_all" { return Participant(id: "all", name: "所有人") }
            guard let mention = mentions.first(where: { $0.key == key }) else { return nil }
            let id = mention.id?.openID ?? mention.id?.userID ?? key
            return Participant(id: id, name: mention.name, isBot: id == botOpenID)
        }
        guard let segments = content.segments(type: message.messageType ?? "", content: message.content ?? "") else { return nil }
        // A topic's thread is `thread_id`. A reply outside a topic has only `root_id`/`parent_id`:
        // it stays in the chat's conversation (a follow-up to the bot must continue it), and the
        // message it answers is `reply_to`.
        let thread = message.threadID.flatMap { $0.isEmpty ? nil : $0 }
        var event = ChatEvent(
            id: "\(botID):\(messageID)", platform: FeishuAdapterFactory.platformName, bot: botID,
            conversation: Conversation(id: chatID, type: isGroup ? .group : .direct, thread: thread),
            sender: Participant(id: senderID, isBot: payload.event?.sender?.senderType.map { $0 != "user" } ?? false),
            text: "", messageID: messageID, timestamp: Self.date(milliseconds: message.createTime ?? payload.header?.createTime),
            replyAddress: ReplyAddress(["message_id": messageID, "chat_id": chatID])
        )
        event.segments = segments
        event.mentions = segments.compactMap { if case .mention(let who) = $0 { who } else { nil } }
        event.mentionsBot = event.mentions.contains { $0.isBot && $0.id == botOpenID }
        event.text = Self.text(of: segments)
        // `parent_id` is the message answered; `root_id` alone (no topic) is read as the same.
        event.replyTo = [message.parentID, thread == nil ? message.rootID : nil].compactMap { $0 }.first { !$0.isEmpty }
        return event
    }

    private func botAdded(_ payload: FeishuPayload) throws -> ChatEvent? {
        guard let eventID = payload.header?.eventID, !eventID.isEmpty, let chatID = payload.event?.chatID, !chatID.isEmpty else {
            throw WebhookRejection.badRequest("im.chat.member.bot.added_v1 without header.event_id or event.chat_id")
        }
        return ChatEvent(
            id: "\(botID):\(eventID)", platform: FeishuAdapterFactory.platformName, bot: botID, kind: .botAdded,
            conversation: Conversation(id: chatID, type: .group, title: payload.event?.name),
            sender: Participant(id: payload.event?.operatorID?.openID ?? ""), text: "",
            timestamp: Self.date(milliseconds: payload.header?.createTime), replyAddress: ReplyAddress(["chat_id": chatID])
        )
    }

    /// A click on a card's button (`card.action.trigger`, over the long connection): kind
    /// `card_action`, the button's `value` as compact JSON in `text`. Its `create_time` is in
    /// microseconds [D card-callback-communication].
    private func cardAction(_ payload: FeishuPayload) throws -> ChatEvent? {
        guard let eventID = payload.header?.eventID, !eventID.isEmpty else {
            throw WebhookRejection.badRequest("card.action.trigger without header.event_id")
        }
        guard let clicker = payload.event?.cardOperator?.openID, !clicker.isEmpty else {
            throw WebhookRejection.badRequest("card.action.trigger without event.operator.open_id")
        }
        let context = payload.event?.context
        let chatID = context?.openChatID.flatMap { $0.isEmpty ? nil : $0 }
        var address: [String: String] = [:]
        if let chatID { address["chat_id"] = chatID }
        if let messageID = context?.openMessageID, !messageID.isEmpty { address["message_id"] = messageID }
        let value = payload.event?.action?.value.map { String(decoding: JSONWriter.data($0), as: UTF8.self) } ?? ""
        let microseconds = payload.header?.createTime.flatMap(Double.init)
        return ChatEvent(
            id: "\(botID):\(eventID)", platform: FeishuAdapterFactory.platformName, bot: botID, kind: .cardAction,
            conversation: Conversation(id: chatID ?? clicker, type: chatID == nil ? .direct : .group),
            sender: Participant(id: clicker), text: value, messageID: address["message_id"],
            timestamp: microseconds.flatMap { Date(platformMilliseconds: $0 / 1000) } ?? Date(timeIntervalSince1970: 0),
            replyAddress: ReplyAddress(address)
        )
    }

    // MARK: 1.0

    /// A 1.0 `message` event: text only (the legacy event carries no mentions list, only
    /// `is_mention` and `text_without_at_bot`).
    private func legacyMessage(_ payload: FeishuPayload) throws -> ChatEvent? {
        guard let event = payload.event, let messageID = event.openMessageID, !messageID.isEmpty,
            let chatID = event.openChatID, !chatID.isEmpty, let sender = event.openID, !sender.isEmpty
        else { throw WebhookRejection.badRequest("a 1.0 message event without open_message_id, open_chat_id or open_id") }
        guard event.msgType == "text" else { return nil }
        let isGroup = event.chatType != "private" && event.chatType != "p2p"
        let text = (event.textWithoutAtBot ?? event.text ?? "").trimmingWhitespace()
        var chatEvent = ChatEvent(
            id: "\(botID):\(messageID)", platform: FeishuAdapterFactory.platformName, bot: botID,
            conversation: Conversation(id: chatID, type: isGroup ? .group : .direct, thread: event.rootID.flatMap { $0.isEmpty ? nil : $0 }),
            sender: Participant(id: sender), text: text, segments: [.text(text)], messageID: messageID,
            timestamp: payload.ts.flatMap(Double.init).flatMap { Date(platformSeconds: $0) } ?? Date(timeIntervalSince1970: 0),
            replyAddress: ReplyAddress(["message_id": messageID, "chat_id": chatID])
        )
        if event.isMention == true {
            chatEvent.mentionsBot = true
            if let botOpenID { chatEvent.mentions = [Participant(id: botOpenID, isBot: true)] }
        }
        return chatEvent
    }

    // MARK: Helpers

    /// The plain text: other mentions as `@Name`, the bot's own removed, trimmed.
    static func text(of segments: [Segment]) -> String {
        var text = ""
        for segment in segments {
            switch segment {
            case .text(let value): text += value
            case .mention(let who) where !who.isBot: text += "@" + (who.name ?? who.id)
            case .link(let url, let title): text += title.map { "\($0) (\(url))" } ?? url
            default: break
            }
        }
        return text.trimmingWhitespace()
    }

    static func date(milliseconds: String?) -> Date {
        milliseconds.flatMap(Double.init).flatMap { Date(platformMilliseconds: $0) } ?? Date(timeIntervalSince1970: 0)
    }
}
