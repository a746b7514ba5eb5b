import Foundation
import SwitchboardCore

/// The robot message JSON, the same from an HTTP callback and inside a Stream CALLBACK frame's
/// `data` (platforms.md §3a), as a neutral event. Fields are read leniently; unknown keys are kept
/// out of the way, unknown `msgtype`s acknowledged and ignored.
struct DingTalkMessage {
    let botID: String

    func event(from json: JSONValue) throws -> ChatEvent? {
        guard let msgID = json["msgId"]?.string, !msgID.isEmpty, let conversationID = json["conversationId"]?.string, !conversationID.isEmpty else {
            throw WebhookRejection.badRequest("the robot message has no msgId or conversationId")
        }
        let senderID = (json["senderStaffId"]?.string).flatMap { $0.isEmpty ? nil : $0 } ?? json["senderId"]?.string ?? ""
        guard !senderID.isEmpty else { throw WebhookRejection.badRequest("the robot message has no senderStaffId or senderId") }
        let isGroup = json["conversationType"]?.string == "2"
        guard let segments = segments(json) else { return nil }

        var event = ChatEvent(
            id: "\(botID):\(msgID)", platform: DingTalkAdapterFactory.platformName, bot: botID,
            conversation: Conversation(id: conversationID, type: isGroup ? .group : .direct, title: isGroup ? json["conversationTitle"]?.string : nil),
            sender: Participant(id: senderID, name: json["senderNick"]?.string), text: "", segments: segments, messageID: msgID,
            timestamp: Self.number(json["createAt"]).flatMap { Date(platformMilliseconds: $0) } ?? Date(timeIntervalSince1970: 0)
        )
        var address: [String: String] = ["conversation_id": conversationID, "conversation_type": isGroup ? "2" : "1"]
        address["session_webhook"] = json["sessionWebhook"]?.string
        // An expiry that is no sensible time is left out: the OpenAPI is used instead.
        address["session_webhook_expires"] = Self.number(json["sessionWebhookExpiredTime"]).flatMap { Date(platformMilliseconds: $0) }
            .map { String($0.unixMilliseconds) }
        address["sender_staff_id"] = json["senderStaffId"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        address["robot_code"] = json["robotCode"]?.string
        event.replyAddress = ReplyAddress(address)

        // The bot is identified by chatbotUserId; in groups DingTalk delivers only messages that
        // @ it, and says so with isInAtList.
        let botUser = json["chatbotUserId"]?.string
        event.mentions = (json["atUsers"]?.array ?? []).compactMap { user -> Participant? in
            guard let id = user["dingtalkId"]?.string, !id.isEmpty else { return nil }
            let staff = user["staffId"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            return Participant(id: id == botUser ? id : staff ?? id, isBot: id == botUser)
        }
        event.mentionsBot = json["isInAtList"] == .bool(true) || event.mentions.contains { $0.isBot }
        event.text = segments.compactMap { segment -> String? in
            switch segment {
            case .text(let text): text
            case .audio(let media): media.transcript
            default: nil
            }
        }.joined(separator: "\n").trimmingWhitespace()
        (event.replyTo, event.quote) = Self.replied(json["text"]?["repliedMsg"])
        return event
    }

    /// A quoted message: `text.isReplyMsg` with `text.repliedMsg.{msgId, msgType, content}`
    /// [3P LangBot — unconfirmed: read defensively]. The id may come as `originalMsgId`, and
    /// `content` as text, as `{"text": …}`, as `{"richText": [{"text": …}]}`, or as either of
    /// those in a JSON string.
    static func replied(_ replied: JSONValue?) -> (id: String?, text: String?) {
        guard let replied, replied.object != nil else { return (nil, nil) }
        let id = [replied["msgId"]?.string, replied["originalMsgId"]?.string].compactMap { $0 }.first { !$0.isEmpty }
        var content = replied["content"]
        if let text = content?.string, let parsed = try? JSONParser.parse(Data(text.utf8)), parsed.object != nil {
            content = parsed
        }
        let text: String?
        if let plain = content?.string {
            text = plain
        } else if let plain = content?["text"]?.string ?? content?["content"]?.string {
            text = plain
        } else if let items = content?["richText"]?.array {
            text = items.compactMap { $0["text"]?.string }.joined()
        } else {
            text = nil
        }
        let trimmed = text?.trimmingWhitespace()
        return (id, trimmed?.isEmpty == false ? trimmed : nil)
    }

    /// Segments of the message kinds a robot receives; nil for others.
    private func segments(_ json: JSONValue) -> [Segment]? {
        let content = json["content"]
        switch json["msgtype"]?.string {
        case "text":
            // In groups the @name is already removed, leaving a leading space [M].
            return [.text((json["text"]?["content"]?.string ?? "").trimmingWhitespace())]
        case "richText":
            return (content?["richText"]?.array ?? []).compactMap { item -> Segment? in
                if let text = item["text"]?.string { return .text(text) }
                if let code = (item["downloadCode"] ?? item["pictureDownloadCode"])?.string { return .image(MediaReference(mediaID: code)) }
                return nil
            }
        case "picture":
            return [.image(MediaReference(mediaID: (content?["downloadCode"] ?? content?["pictureDownloadCode"])?.string))]
        case "audio":
            return [.audio(MediaReference(mediaID: content?["downloadCode"]?.string, transcript: content?["recognition"]?.string))]
        case "video":
            return [.video(MediaReference(mediaID: content?["downloadCode"]?.string))]
        case "file":
            return [.file(MediaReference(mediaID: content?["downloadCode"]?.string, name: content?["fileName"]?.string))]
        default:
            return nil
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let number)?: number
        case .string(let text)?: Double(text)
        default: nil
        }
    }
}
