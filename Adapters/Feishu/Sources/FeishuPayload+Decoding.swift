import Foundation
import SwitchboardCore

// Reading the payload from ``JSONParser``'s tree: a field of an unexpected type reads as absent,
// so a less certain part of a payload never makes it unreadable.

extension FeishuPayload {
    /// Parses a body or a decrypted `encrypt`.
    static func parse(_ data: Data) throws -> FeishuPayload {
        FeishuPayload(json: try JSONParser.parse(data))
    }

    init(json: JSONValue) {
        schema = json["schema"]?.string
        header = json["header"].map(Header.init(json:))
        uuid = json["uuid"]?.string
        token = json["token"]?.string
        ts = json["ts"]?.string
        type = json["type"]?.string
        challenge = json["challenge"]?.string
        encrypt = json["encrypt"]?.string
        event = json["event"].map(FeishuEvent.init(json:))
    }
}

extension FeishuPayload.Header {
    init(json: JSONValue) {
        eventID = json["event_id"]?.string
        eventType = json["event_type"]?.string
        createTime = json["create_time"]?.string
        token = json["token"]?.string
    }
}

extension FeishuEvent {
    init(json: JSONValue) {
        sender = json["sender"].map(Sender.init(json:))
        message = json["message"].map(Message.init(json:))
        chatID = json["chat_id"]?.string
        operatorID = json["operator_id"].map(UserID.init(json:))
        name = json["name"]?.string
        type = json["type"]?.string
        openMessageID = json["open_message_id"]?.string
        openChatID = json["open_chat_id"]?.string
        chatType = json["chat_type"]?.string
        msgType = json["msg_type"]?.string
        openID = json["open_id"]?.string
        rootID = json["root_id"]?.string
        if case .bool(let value)? = json["is_mention"] { isMention = value }
        text = json["text"]?.string
        textWithoutAtBot = json["text_without_at_bot"]?.string
        cardOperator = json["operator"].map(UserID.init(json:))
        action = json["action"].map { CardAction(value: $0["value"], tag: $0["tag"]?.string, name: $0["name"]?.string) }
        context = json["context"].map { CardContext(openMessageID: $0["open_message_id"]?.string, openChatID: $0["open_chat_id"]?.string) }
    }
}

extension FeishuEvent.UserID {
    init(json: JSONValue) {
        openID = json["open_id"]?.string
        userID = json["user_id"]?.string
        unionID = json["union_id"]?.string
    }
}

extension FeishuEvent.Sender {
    init(json: JSONValue) {
        senderID = json["sender_id"].map(FeishuEvent.UserID.init(json:))
        senderType = json["sender_type"]?.string
    }
}

extension FeishuEvent.Mention {
    init(json: JSONValue) {
        key = json["key"]?.string
        id = json["id"].map(FeishuEvent.UserID.init(json:))
        name = json["name"]?.string
    }
}

extension FeishuEvent.Message {
    init(json: JSONValue) {
        messageID = json["message_id"]?.string
        rootID = json["root_id"]?.string
        parentID = json["parent_id"]?.string
        threadID = json["thread_id"]?.string
        createTime = json["create_time"]?.string
        chatID = json["chat_id"]?.string
        chatType = json["chat_type"]?.string
        messageType = json["message_type"]?.string
        content = json["content"]?.string
        mentions = json["mentions"]?.array?.map(FeishuEvent.Mention.init(json:))
    }
}
