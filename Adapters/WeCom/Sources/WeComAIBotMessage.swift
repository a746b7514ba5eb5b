import Foundation
import SwitchboardCore

/// An AI bot's decrypted callback JSON (platforms.md §1c.1): a message (`text`, `mixed`, `image`,
/// `voice`, `file`, `video`), a stream refresh poll (`stream`), or an `event`. Every field is
/// optional: the payload's less certain parts ([M] in platforms.md) must not make it unreadable.
struct WeComAIBotMessage: Sendable {
    struct From: Sendable {
        var userid: String?
    }

    struct Text: Sendable {
        var content: String?
    }

    struct Media: Sendable {
        var url: String?
        var filename: String?
        /// Long-connection mode: the key for this URL's encrypted bytes (platforms-2.md §4.2).
        var aeskey: String?

        func reference(name: String? = nil) -> MediaReference {
            MediaReference(url: url, name: filename ?? name, decryptionKey: aeskey)
        }
    }

    struct Item: Sendable {
        var msgtype: String?
        var text: Text?
        var image: Media?
    }

    struct Mixed: Sendable {
        var msgItem: [Item]?
    }

    struct StreamRef: Sendable {
        var id: String?
    }

    struct Event: Sendable {
        /// A click on a template card (platforms-3.md §6): the button's key, the card's task id and
        /// type, and the options chosen by question.
        struct CardEvent: Sendable {
            var eventKey: String?
            var taskID: String?
            var cardType: String?
            var selected: [String: [String]] = [:]
        }

        /// A rating of an answer that carried `feedback.id` (platforms-3.md §6): type 1 like,
        /// 2 dislike, 3 taken back.
        struct Feedback: Sendable {
            var id: String?
            var type: Int?
            var content: String?
        }

        var eventtype: String?
        // The SDK types put the key (and task id) in `event`, the WeCom documentation and the
        // official plugin under `template_card_event` (platforms-3.md §6 ⚠): both are read.
        var eventKey: String?
        var templateCardEvent: CardEvent?
        var feedbackEvent: Feedback?

        /// The card event, from whichever shape carried it.
        var cardEvent: CardEvent {
            var card = templateCardEvent ?? CardEvent()
            card.eventKey = card.eventKey ?? eventKey
            card.taskID = card.taskID ?? flatTaskID
            return card
        }

        var flatTaskID: String?
    }

    /// A quoted message: its content only — WeCom sends no id of the quoted message, so a reply
    /// to the bot cannot be told from another quote (platforms.md §1c.1).
    struct Quote: Sendable {
        var msgtype: String?
        var text: Text?
        var voice: Text?
        var mixed: Mixed?

        /// The quoted text: `text.content`, a voice transcript, or the text items of a `mixed`.
        var content: String? {
            let parts = [text?.content, voice?.content].compactMap { $0 }
                + (mixed?.msgItem ?? []).compactMap { $0.msgtype == "text" ? $0.text?.content : nil }
            let joined = parts.joined(separator: "\n").trimmingWhitespace()
            return joined.isEmpty ? nil : joined
        }
    }

    var msgid: String?
    var aibotid: String?
    var chatid: String?
    var chattype: String?
    var from: From?
    var createTime: Int?
    var responseURL: String?
    var msgtype: String?
    var text: Text?
    var image: Media?
    var voice: Text?
    var file: Media?
    var video: Media?
    var mixed: Mixed?
    var stream: StreamRef?
    var event: Event?
    var quote: Quote?

    /// The message as a neutral event, or nil for a kind that is acknowledged and ignored.
    func chatEvent(botID: String, botName: String?, streamID: String, timestamp: Date) throws -> ChatEvent? {
        guard let msgid, !msgid.isEmpty, let sender = from?.userid, !sender.isEmpty else {
            throw WebhookRejection.badRequest("the message has no msgid or from.userid")
        }
        let isGroup = chattype == "group"
        let conversation = isGroup
            ? Conversation(id: chatid ?? "", type: .group)
            : Conversation(id: sender, type: .direct)
        guard !conversation.id.isEmpty else { throw WebhookRejection.badRequest("a group message without chatid") }
        var event = ChatEvent(
            id: "\(botID):\(msgid)", platform: WeComAdapterFactory.platformName, bot: botID, conversation: conversation,
            sender: Participant(id: sender), text: "", messageID: msgid, timestamp: timestamp
        )
        var address = ["stream_id": streamID]
        if let responseURL { address["response_url"] = responseURL }
        event.replyAddress = ReplyAddress(address)
        if isGroup {
            // In groups the AI bot only hears messages that @-mention it.
            event.mentionsBot = true
            event.mentions = [Participant(id: aibotid ?? botID, name: botName, isBot: true)]
        }
        var segments: [Segment] = []
        switch msgtype {
        case "text":
            segments = [.text(Self.strippingMention(text?.content ?? "", botName: botName, inGroup: isGroup))]
        case "mixed":
            var first = true
            for item in mixed?.msgItem ?? [] {
                if item.msgtype == "text", let content = item.text?.content {
                    segments.append(.text(first ? Self.strippingMention(content, botName: botName, inGroup: isGroup) : content))
                    first = false
                } else if item.msgtype == "image", let url = item.image?.url {
                    segments.append(.image(item.image?.reference() ?? MediaReference(url: url)))
                }
            }
        case "image":
            segments = [.image(image?.reference() ?? MediaReference())]
        case "voice":
            // `voice.content` is WeCom's transcript.
            let transcript = voice?.content
            segments = [.audio(MediaReference(transcript: transcript))]
            event.text = transcript ?? ""
        case "file":
            segments = [.file(file?.reference() ?? MediaReference())]
        case "video":
            segments = [.video(video?.reference() ?? MediaReference())]
        default:
            return nil
        }
        if let quoted = quote?.content {
            segments.insert(.quote(text: quoted, messageID: nil), at: 0)
            event.quote = quoted
        }
        event.segments = segments
        if event.text.isEmpty {
            event.text = segments.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
        }
        return event
    }

    /// `@AI助手 今天…` ▸ `今天…`: the bot's own mention at the start of a group message.
    static func strippingMention(_ text: String, botName: String?, inGroup: Bool) -> String {
        guard inGroup else { return text.trimmingWhitespace() }
        var rest = Substring(text.trimmingWhitespace())
        if let botName, rest.hasPrefix("@" + botName) {
            rest = rest.dropFirst(botName.count + 1)
        } else if botName == nil, rest.hasPrefix("@") {
            // Without bot_name, the first @word is taken to be the bot (WeCom puts it first).
            rest = rest.drop { !$0.isWhitespace }
        }
        return rest.trimmingWhitespace()
    }
}
