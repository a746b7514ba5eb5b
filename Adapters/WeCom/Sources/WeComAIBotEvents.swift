import Foundation
import SwitchboardCore

/// The AI bot's event pushes in the neutral model, the same over the webhook and the socket
/// (platforms-2.md §2.4, platforms-3.md §6): `enter_chat`, a template card's click (`card_action`
/// with the key, the selections and the card's `task_id`) and a rating (`feedback`: like,
/// dislike or taken back, with the `feedback.id` the answer carried).
extension WeComAIBotMessage {
    static let eventKinds: [String: EventKind] = [
        "enter_chat": .enterChat,
        "template_card_event": .cardAction,
        "feedback_event": .feedback,
    ]

    /// Nil for an event this bot does not take (an unknown type, a push without sender or id).
    func chatEvent(ofEventBot botID: String, platform: String, timestamp: Date, address: [String: String]) -> ChatEvent? {
        guard let kind = Self.eventKinds[event?.eventtype ?? ""], let msgid, let sender = from?.userid else { return nil }
        var address = address
        var text = event?.eventKey ?? ""
        var action: ChatAction?
        switch kind {
        case .cardAction:
            let card = event?.cardEvent ?? Event.CardEvent()
            text = card.eventKey ?? ""
            action = ChatAction(value: text, inputs: card.selected.mapValues { $0.joined(separator: ",") }, target: card.taskID)
            // What the card's update needs (`aibot_respond_update_msg` names the task).
            if let taskID = card.taskID { address["task_id"] = taskID }
            if let type = card.cardType { address["card_type"] = type }
        case .feedback:
            guard let feedback = event?.feedbackEvent, let id = feedback.id else { return nil }
            text = feedback.content ?? ""
            let ratings: [Int: ChatAction.Rating] = [1: .like, 2: .dislike, 3: .cancel]
            action = ChatAction(value: id, rating: feedback.type.flatMap { ratings[$0] })
        default:
            break
        }
        return ChatEvent(
            id: "\(botID):\(msgid)", platform: platform, bot: botID, kind: kind,
            conversation: chattype == "group" ? Conversation(id: chatid ?? sender, type: .group) : Conversation(id: sender, type: .direct),
            sender: Participant(id: sender), text: text, messageID: msgid, timestamp: timestamp, replyAddress: ReplyAddress(address), action: action
        )
    }
}
