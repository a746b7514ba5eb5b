import Foundation
import SwitchboardCore

// Hand-written decoding of the event payload: only the keys present in the JSON are visited, each
// read leniently (see `KeyedDecodingContainer.lenientString` in core).

extension FeishuPayload {
    enum CodingKeys: String, CodingKey {
        case schema, header, uuid, token, ts, type, challenge, encrypt, event
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in c.allKeys {
            switch key {
            case .schema: schema = c.lenientString(key)
            case .header: header = c.lenient(key)
            case .uuid: uuid = c.lenientString(key)
            case .token: token = c.lenientString(key)
            case .ts: ts = c.lenientString(key)
            case .type: type = c.lenientString(key)
            case .challenge: challenge = c.lenientString(key)
            case .encrypt: encrypt = c.lenientString(key)
            case .event: event = c.lenient(key)
            }
        }
    }
}

extension FeishuPayload.Header {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in c.allKeys {
            switch key {
            case .eventID: eventID = c.lenientString(key)
            case .eventType: eventType = c.lenientString(key)
            case .createTime: createTime = c.lenientString(key)
            case .token: token = c.lenientString(key)
            }
        }
    }
}

extension FeishuEvent {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in c.allKeys {
            switch key {
            case .sender: sender = c.lenient(key)
            case .message: message = c.lenient(key)
            case .chatID: chatID = c.lenientString(key)
            case .operatorID: operatorID = c.lenient(key)
            case .name: name = c.lenientString(key)
            case .type: type = c.lenientString(key)
            case .openMessageID: openMessageID = c.lenientString(key)
            case .openChatID: openChatID = c.lenientString(key)
            case .chatType: chatType = c.lenientString(key)
            case .msgType: msgType = c.lenientString(key)
            case .openID: openID = c.lenientString(key)
            case .rootID: rootID = c.lenientString(key)
            case .isMention: isMention = c.lenientBool(key)
            case .text: text = c.lenientString(key)
            case .textWithoutAtBot: textWithoutAtBot = c.lenientString(key)
            }
        }
    }
}

extension FeishuEvent.UserID {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in c.allKeys {
            switch key {
            case .openID: openID = c.lenientString(key)
            case .userID: userID = c.lenientString(key)
            case .unionID: unionID = c.lenientString(key)
            }
        }
    }
}

extension FeishuEvent.Sender {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in c.allKeys {
            switch key {
            case .senderID: senderID = c.lenient(key)
            case .senderType: senderType = c.lenientString(key)
            }
        }
    }
}

extension FeishuEvent.Mention {
    enum CodingKeys: String, CodingKey {
        case key, id, name
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for codingKey in c.allKeys {
            switch codingKey {
            case .key: key = c.lenientString(codingKey)
            case .id: id = c.lenient(codingKey)
            case .name: name = c.lenientString(codingKey)
            }
        }
    }
}

extension FeishuEvent.Message {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in c.allKeys {
            switch key {
            case .messageID: messageID = c.lenientString(key)
            case .rootID: rootID = c.lenientString(key)
            case .threadID: threadID = c.lenientString(key)
            case .createTime: createTime = c.lenientString(key)
            case .chatID: chatID = c.lenientString(key)
            case .chatType: chatType = c.lenientString(key)
            case .messageType: messageType = c.lenientString(key)
            case .content: content = c.lenientString(key)
            case .mentions: mentions = c.lenient(key)
            }
        }
    }
}
