import Foundation
import SwitchboardCore

/// An `Update` ▸ `ChatEvent`: who wrote, where, what — and whether it is addressed to this bot:
/// a private chat, an `@botname` mention or a `/command@botname` (found by the message's
/// entities, whose offsets count UTF-16 units), or a reply to one of the bot's own messages.
struct TelegramEventDecoder: Sendable {
    let botID: String
    let identity: TelegramBotIdentity

    func events(from update: TelegramUpdate) -> [ChatEvent] {
        guard let message = update.message, let from = message.from, !from.isBot else { return [] }
        let conversation: Conversation
        switch message.chat.type {
        case "private":
            conversation = Conversation(id: String(message.chat.id), type: .direct, thread: message.messageThreadID.map(String.init))
        case "group", "supergroup":
            conversation = Conversation(id: String(message.chat.id), type: .group, title: message.chat.title, thread: message.messageThreadID.map(String.init))
        default:
            // Channel posts come as `channel_post`, not `message`; anything else is not a chat we answer.
            return []
        }
        let (text, entities) = (message.text ?? message.caption ?? "", message.text != nil ? message.entities ?? [] : message.captionEntities ?? [])
        let reading = read(text, entities: entities)
        var segments = media(message)
        if let quoted = message.replyToMessage {
            segments.append(.quote(text: quoted.text ?? quoted.caption ?? "", messageID: String(quoted.messageID)))
        }
        for part in reading.segments { segments.append(part) }
        let repliesToBot = message.replyToMessage?.from.map(identity.isBot) ?? false
        var address: [String: String] = ["chat_id": String(message.chat.id), "message_id": String(message.messageID)]
        // message_thread_id is set on replies in any supergroup, but sendMessage accepts it only
        // for a forum's topics: it is kept for answering only when the message is in a topic.
        if message.isTopicMessage == true, let thread = message.messageThreadID { address["message_thread_id"] = String(thread) }
        var event = ChatEvent(
            id: "\(botID):\(update.updateID)", platform: TelegramAdapter.platformName, bot: botID, kind: .message,
            conversation: conversation,
            sender: Participant(id: String(from.id), name: from.displayName, isBot: false),
            text: reading.text,
            mentionsBot: conversation.type == .direct || reading.mentionsBot || repliesToBot,
            mentions: reading.mentions, segments: segments, messageID: String(message.messageID),
            timestamp: Date(platformSeconds: Double(message.date)) ?? Date(timeIntervalSince1970: 0), replyAddress: ReplyAddress(address)
        )
        // The replied-to message, for the engine: its id (a reply to the bot is addressed to it —
        // Telegram also says whose message it was, read above) and its text, for the backend.
        if let quoted = message.replyToMessage {
            event.replyTo = String(quoted.messageID)
            event.quote = (quoted.text ?? quoted.caption).flatMap { $0.isEmpty ? nil : $0 }
        }
        return [event]
    }

    struct Reading {
        var text: String
        var mentionsBot: Bool
        var mentions: [Participant]
        var segments: [Segment]
    }

    /// The text with the bot's `@name` removed (and `@botname` cut from its commands, so
    /// `/reset@bot` reads `/reset`), the mentions, and the text as segments.
    func read(_ text: String, entities: [TelegramUpdate.Entity]) -> Reading {
        let units = Array(text.utf16)
        var mentionsBot = false
        var mentions: [Participant] = []
        var segments: [Segment] = []
        var kept: [UInt16] = []
        var pending: [UInt16] = []
        var cursor = 0
        func flush() {
            let piece = String(decoding: pending, as: UTF16.self).trimmingCharacters(in: .whitespaces)
            if !piece.isEmpty { segments.append(.text(piece)) }
            pending = []
        }
        /// After a cut mention, one space too many.
        func skipDoubleSpace() {
            if cursor < units.count, units[cursor] == 0x20, kept.isEmpty || kept.last == 0x20 { cursor += 1 }
        }
        // Entities are sorted by offset and do not overlap where mentions and commands are
        // concerned; one that runs past the text (a malformed update) is ignored.
        for entity in entities.sorted(by: { $0.offset < $1.offset }) where entity.offset >= cursor && entity.length > 0 && entity.offset + entity.length <= units.count {
            let span = Array(units[entity.offset..<(entity.offset + entity.length)])
            let spanText = String(decoding: span, as: UTF16.self)
            switch entity.type {
            case "mention" where identity.isMention(spanText):
                mentionsBot = true
                let bot = identity.participant
                if !mentions.contains(bot) { mentions.append(bot) }
                kept += units[cursor..<entity.offset]
                pending += units[cursor..<entity.offset]
                flush()
                segments.append(.mention(bot))
                cursor = entity.offset + entity.length
                skipDoubleSpace()
            case "mention":
                let name = String(spanText.dropFirst())
                let participant = Participant(id: spanText, name: name)
                if !mentions.contains(participant) { mentions.append(participant) }
            case "text_mention":
                if let user = entity.user {
                    let participant = Participant(id: String(user.id), name: user.displayName, isBot: user.isBot)
                    if !mentions.contains(participant) { mentions.append(participant) }
                }
            case "bot_command":
                guard let at = spanText.firstIndex(of: "@") else { continue }
                // A command for this bot is addressed to it; one for another bot is not.
                if identity.isMention(String(spanText[at...])) {
                    mentionsBot = true
                    let command = Array(String(spanText[..<at]).utf16)
                    kept += units[cursor..<entity.offset] + command
                    pending += units[cursor..<entity.offset] + command
                    cursor = entity.offset + entity.length
                }
            default:
                continue
            }
        }
        kept += units[cursor...]
        pending += units[cursor...]
        flush()
        return Reading(text: String(decoding: kept, as: UTF16.self).trimmingCharacters(in: .whitespacesAndNewlines), mentionsBot: mentionsBot, mentions: mentions, segments: segments)
    }

    /// Photos, files, voice notes and videos as media segments (their `file_id`s; the adapter does
    /// not download them).
    private func media(_ message: TelegramUpdate.Message) -> [Segment] {
        var segments: [Segment] = []
        if let largest = message.photo?.max(by: { $0.width * $0.height < $1.width * $1.height }) {
            segments.append(.image(MediaReference(mediaID: largest.fileID)))
        }
        if let document = message.document { segments.append(.file(MediaReference(mediaID: document.fileID, name: document.fileName))) }
        if let voice = message.voice { segments.append(.audio(MediaReference(mediaID: voice.fileID))) }
        if let audio = message.audio { segments.append(.audio(MediaReference(mediaID: audio.fileID, name: audio.fileName))) }
        if let video = message.video { segments.append(.video(MediaReference(mediaID: video.fileID, name: video.fileName))) }
        return segments
    }
}

/// Who the bot is: its user id (the number before the colon in its token) and its username.
struct TelegramBotIdentity: Sendable {
    let userID: Int64
    let username: String

    var participant: Participant { Participant(id: String(userID), name: username, isBot: true) }

    /// `@Name` names this bot (usernames are case-insensitive).
    func isMention(_ text: String) -> Bool {
        text.hasPrefix("@") && text.dropFirst().lowercased() == username.lowercased()
    }

    func isBot(_ user: TelegramUpdate.User) -> Bool {
        user.id == userID || (user.username?.lowercased() == username.lowercased() && user.isBot)
    }
}
