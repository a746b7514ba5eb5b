import Foundation
import SwitchboardCore

/// A self-built app's decrypted callback XML (platforms.md §1a.3) as a neutral event: messages
/// `text`, `image`, `voice`, `video`, `location`, `link`; events `enter_agent`, `subscribe`,
/// `unsubscribe`, `click`, `view`. Anything else is acknowledged and ignored (nil).
enum WeComAppMessage {
    static func event(from xml: WeComXML, botID: String, now: Date) throws -> ChatEvent? {
        guard let type = xml["MsgType"], let sender = xml["FromUserName"], !sender.isEmpty else {
            throw WebhookRejection.badRequest("the message has no MsgType or FromUserName")
        }
        let createTime = xml["CreateTime"].flatMap(Double.init)
        let timestamp = createTime.flatMap { Date(platformSeconds: $0) } ?? now
        var event = ChatEvent(
            id: "", platform: WeComAdapterFactory.platformName, bot: botID, conversation: Conversation(id: sender, type: .direct),
            sender: Participant(id: sender), text: "", timestamp: timestamp
        )
        if type == "event" {
            guard let name = xml["Event"], let kind = eventKinds[name] else { return nil }
            // Events have no MsgId; WeCom's own dedup rule is sender + CreateTime (+ the event).
            event.id = "\(botID):\(sender):\(xml["CreateTime"] ?? ""):\(name)"
            event.kind = kind
            event.text = xml["EventKey"] ?? ""
            return event
        }
        guard let messageID = xml["MsgId"], !messageID.isEmpty else { throw WebhookRejection.badRequest("the message has no MsgId") }
        event.id = "\(botID):\(messageID)"
        event.messageID = messageID
        switch type {
        case "text":
            event.text = xml["Content"] ?? ""
            event.segments = [.text(event.text)]
        case "image":
            event.segments = [.image(MediaReference(mediaID: xml["MediaId"], url: xml["PicUrl"]))]
        case "voice":
            // `Recognition` is the transcript when speech recognition is on for the app.
            let transcript = xml["Recognition"].flatMap { $0.isEmpty ? nil : $0 }
            event.text = transcript ?? ""
            event.segments = [.audio(MediaReference(mediaID: xml["MediaId"], transcript: transcript))]
        case "video":
            event.segments = [.video(MediaReference(mediaID: xml["MediaId"]))]
        case "location":
            let label = xml["Label"] ?? ""
            let place = "\(xml["Location_X"] ?? ""),\(xml["Location_Y"] ?? "")"
            event.text = label.isEmpty ? place : label
            event.segments = [.link(url: "geo:\(place)", title: label.isEmpty ? nil : label)]
        case "link":
            let title = xml["Title"] ?? ""
            let url = xml["Url"] ?? ""
            event.text = [title, xml["Description"] ?? "", url].filter { !$0.isEmpty }.joined(separator: "\n")
            event.segments = [.link(url: url, title: title.isEmpty ? nil : title)]
        default:
            return nil
        }
        return event
    }

    /// WeCom app events ▸ neutral kinds. None of them routes to a backend (only messages do).
    static let eventKinds: [String: EventKind] = [
        "enter_agent": .enterChat,
        "subscribe": "subscribe",
        "unsubscribe": "unsubscribe",
        "click": "menu_click",
        "view": "menu_view",
    ]
}
