import Foundation
import SwitchboardCore

/// Stream mode's frames (platforms.md §3d): `{specVersion, type, headers, data}` with `data` a
/// JSON string. A robot CALLBACK becomes an event and is acked (`code 200`, the frame's
/// `messageId` echoed) once the event is durable; a SYSTEM `ping` is answered with its own data; a
/// SYSTEM `disconnect` is acked and asks for a new connection; EVENT frames are acked and ignored.
/// A card button's CALLBACK becomes a `card_action` event (``DingTalkCardCallback``).
enum DingTalkStreamFrames {
    static let robotTopics: Set<String> = ["/v1.0/im/bot/messages/get", "/v1.0/im/bot/messages/delegate"]

    static func decode(_ frame: Data, message: DingTalkMessage) throws -> StreamFrameResult {
        guard let json = try? JSONParser.parse(frame), let type = json["type"]?.string else {
            throw WebhookRejection.badRequest("not a DingTalk Stream frame: expected JSON with type, headers and data")
        }
        let headers = json["headers"]
        let messageID = headers?["messageId"]?.string ?? ""
        let topic = headers?["topic"]?.string ?? ""
        switch type {
        case "SYSTEM":
            switch topic {
            case "ping":
                return StreamFrameResult(reply: ack(messageID, data: json["data"]?.string ?? ""))
            case "disconnect":
                return StreamFrameResult(reply: ack(messageID, data: ""), reconnect: true)
            default:
                return StreamFrameResult(reply: ack(messageID, data: ""))
            }
        case "CALLBACK" where topic == DingTalkCardCallback.topic:
            guard let data = json["data"]?.string, let payload = try? JSONParser.parse(data) else {
                throw WebhookRejection.badRequest("the card callback frame's data is not a JSON string")
            }
            let time = headers?["time"]?.string.flatMap(Double.init).flatMap { Date(platformMilliseconds: $0) }
            let event = try DingTalkCardCallback.event(from: payload, frameID: messageID, time: time, botID: message.botID)
            // No card update in the answer (unconfirmed whether DingTalk reads one from a Stream ack).
            return StreamFrameResult(events: [event], reply: ack(messageID, data: #"{"response":null}"#))
        case "CALLBACK":
            guard robotTopics.contains(topic) else {
                return StreamFrameResult(reply: ack(messageID, code: 404, message: "no handler for \(topic)", data: ""))
            }
            guard let data = json["data"]?.string, let payload = try? JSONParser.parse(data) else {
                throw WebhookRejection.badRequest("the CALLBACK frame's data is not a JSON string")
            }
            let events = try message.event(from: payload).map { [$0] } ?? []
            // As the official SDK acks a robot message its handler took: no message, and the
            // handler's word as the response (dingtalk-stream `CallbackHandler.raw_process`;
            // docs/parity.md).
            return StreamFrameResult(events: events, reply: ack(messageID, message: "", data: #"{"response":"OK"}"#))
        case "EVENT":
            return StreamFrameResult(reply: ack(messageID, data: #"{"status":"SUCCESS","message":"success"}"#))
        default:
            throw WebhookRejection.badRequest("unknown Stream frame type \(type)")
        }
    }

    /// The frame's `headers.messageId`, read as leniently as possible from a frame that could not be
    /// decoded, so that it can still be acknowledged. Nil when there is none to be found.
    static func messageID(in frame: Data) -> String? {
        if let json = try? JSONParser.parse(frame) {
            return json["headers"]?["messageId"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        }
        // Not JSON at all (cut short, say): the first `"messageId":"…"` in the text.
        let text = String(decoding: frame, as: UTF8.self)
        guard let key = text.range(of: #""messageId""#) else { return nil }
        let rest = text[key.upperBound...].drop { $0 == " " || $0 == ":" }
        guard rest.first == "\"" else { return nil }
        let value = rest.dropFirst().prefix { $0 != "\"" && $0 != "\\" }
        guard !value.isEmpty, value.endIndex < rest.endIndex, rest[value.endIndex] == "\"" else { return nil }
        return String(value)
    }

    /// `{"code", "headers": {"contentType", "messageId"}, "message", "data"}`.
    static func ack(_ messageID: String, code: Int = 200, message: String = "OK", data: String) -> Data {
        JSONWriter.data([
            "code": .number(Double(code)), "headers": ["contentType": "application/json", "messageId": .string(messageID)],
            "message": .string(message), "data": .string(data),
        ])
    }
}
