public import Foundation
public import SwitchboardCore

/// A Telegram bot can speak first to a chat it is in, or to a user who has started it: it can be a
/// `targets:` entry for `POST /notify` and `switchboard send` — `{bot: tg, chat: "-100…"}` (or
/// `"@channelname"`), or `{bot: tg, user: "<user id>"}`.
extension TelegramAdapter: NotificationSending {
    public func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        guard let chat = destination.chat ?? destination.user, !chat.isEmpty else {
            throw NotificationError("a Telegram target needs chat: (a chat id such as -100…, or @channelname) or user: (the id of a user who has started the bot)")
        }
        let list = MentionList(mentions)
        if list.everyone { throw NotificationError("Telegram has no @all; mention people by user id or @username") }
        if !list.mobiles.isEmpty { throw NotificationError("Telegram @-mentions by user id or @username, not by phone number") }
        let conversation = Conversation(id: chat, type: destination.user != nil && destination.chat == nil ? .direct : .group)
        return .notification(id: id, adapter: self, conversation: conversation, text: "", mentions: list.userIDs, now: now, replyAddress: ReplyAddress(["chat_id": chat]))
    }
}
