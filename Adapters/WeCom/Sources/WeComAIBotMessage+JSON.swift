import Foundation
import SwitchboardCore

// Reading the AI bot's message from ``JSONParser``'s tree (JSONDecoder's per-field dispatch was
// most of the decode): a field of an unexpected type reads as absent, so a less certain part of
// the payload never makes it unreadable.
extension WeComAIBotMessage {
    init(json: JSONValue) {
        msgid = json["msgid"]?.string
        aibotid = json["aibotid"]?.string
        chatid = json["chatid"]?.string
        chattype = json["chattype"]?.string
        from = json["from"].map { From(userid: $0["userid"]?.string) }
        // A create_time that is no sensible time counts as missing.
        createTime = json["create_time"]?.integer.flatMap { Date(platformSeconds: Double($0)) == nil ? nil : $0 }
        responseURL = json["response_url"]?.string
        msgtype = json["msgtype"]?.string
        text = json["text"].map(Text.init(json:))
        image = json["image"].map(Media.init(json:))
        voice = json["voice"].map(Text.init(json:))
        file = json["file"].map(Media.init(json:))
        video = json["video"].map(Media.init(json:))
        mixed = json["mixed"].map { Mixed(msgItem: $0["msg_item"]?.array?.map(Item.init(json:))) }
        stream = json["stream"].map { StreamRef(id: $0["id"]?.string) }
        event = json["event"].map(Event.init(json:))
        quote = json["quote"].map {
            Quote(
                msgtype: $0["msgtype"]?.string, text: $0["text"].map(Text.init(json:)), voice: $0["voice"].map(Text.init(json:)),
                mixed: $0["mixed"].map { Mixed(msgItem: $0["msg_item"]?.array?.map(Item.init(json:))) }
            )
        }
    }
}

extension WeComAIBotMessage.Text {
    init(json: JSONValue) {
        content = json["content"]?.string
    }
}

extension WeComAIBotMessage.Media {
    init(json: JSONValue) {
        url = json["url"]?.string
        filename = json["filename"]?.string
        aeskey = json["aeskey"]?.string
    }
}

extension WeComAIBotMessage.Item {
    init(json: JSONValue) {
        msgtype = json["msgtype"]?.string
        text = json["text"].map(WeComAIBotMessage.Text.init(json:))
        image = json["image"].map(WeComAIBotMessage.Media.init(json:))
    }
}

extension WeComAIBotMessage.Event {
    init(json: JSONValue) {
        eventtype = json["eventtype"]?.string
        eventKey = json["event_key"]?.string
        flatTaskID = json["task_id"]?.string
        templateCardEvent = json["template_card_event"].map(CardEvent.init(json:))
        feedbackEvent = json["feedback_event"].map { Feedback(id: $0["id"]?.string, type: $0["type"]?.integer, content: $0["content"]?.string) }
    }
}

extension WeComAIBotMessage.Event.CardEvent {
    /// `{card_type, event_key, task_id, selected_items: {selected_item: [{question_key, option_ids: {option_id: […]}}]}}`.
    init(json: JSONValue) {
        eventKey = json["event_key"]?.string
        taskID = json["task_id"]?.string
        cardType = json["card_type"]?.string
        for item in json["selected_items"]?["selected_item"]?.array ?? [] {
            guard let question = item["question_key"]?.string else { continue }
            selected[question] = (item["option_ids"]?["option_id"]?.array ?? []).compactMap(\.string)
        }
    }
}
