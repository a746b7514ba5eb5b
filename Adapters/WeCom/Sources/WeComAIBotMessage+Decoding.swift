import SwitchboardCore

// Hand-written decoding of the AI bot's message: only the keys present are visited, each read
// leniently (see `KeyedDecodingContainer.lenientString` in core) — the message declares seventeen
// fields and a text message carries eight.
extension WeComAIBotMessage {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in c.allKeys {
            switch key {
            case .msgid: msgid = c.lenientString(key)
            case .aibotid: aibotid = c.lenientString(key)
            case .chatid: chatid = c.lenientString(key)
            case .chattype: chattype = c.lenientString(key)
            case .from: from = c.lenient(key)
            case .createTime: createTime = c.lenientInt(key)
            case .responseURL: responseURL = c.lenientString(key)
            case .msgtype: msgtype = c.lenientString(key)
            case .text: text = c.lenient(key)
            case .image: image = c.lenient(key)
            case .voice: voice = c.lenient(key)
            case .file: file = c.lenient(key)
            case .video: video = c.lenient(key)
            case .mixed: mixed = c.lenient(key)
            case .stream: stream = c.lenient(key)
            case .event: event = c.lenient(key)
            case .quote: quote = c.lenient(key)
            }
        }
    }
}
