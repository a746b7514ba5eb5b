import Foundation
import SwitchboardCore

/// The text of a message a user replied to: a reply event carries only `parent_id`, so the message
/// is read with `GET /open-apis/im/v1/messages/{message_id}` (tenant token; needs
/// `im:message` or `im:message:readonly`, and for group messages `im:message.group_msg`). The
/// answer is `data.items[0]` with `msg_type` and `body.content` (the docs' shape; a `data` holding
/// the message itself is read too — defensive, the single-item wrapping is not in platforms.md).
extension FeishuAppAdapter: QuoteFetching {
    func quotedText(_ messageID: String, of event: ChatEvent, transport: any HTTPTransport) async throws -> String? {
        let path = "/open-apis/im/v1/messages/\(PercentEncoding.pathSegment(messageID))"
        let object = try await token.withToken(transport: transport, isRejection: FeishuTenantToken.isRejection) { [api] token in
            try await api.call(.get, path, api: "im/v1/messages.get", token: token, body: nil, transport: transport)
        }
        let data = object["data"]
        guard let message = data?["items"]?.array?.first ?? data else { return nil }
        return Self.text(ofMessage: message)
    }

    /// A message as the Open API returns it (`msg_type`, `body.content`, `mentions`) as plain text.
    /// Cards (the bot's own answers) give the text of their elements.
    static func text(ofMessage message: JSONValue) -> String? {
        let type = message["msg_type"]?.string ?? ""
        let content = message["body"]?["content"]?.string ?? ""
        let mentions = message["mentions"]?.array ?? []
        if type == "interactive" {
            let card = (try? JSONParser.parse(content)) ?? .null
            let text = cardTexts(card).joined(separator: "\n").trimmingWhitespace()
            return text.isEmpty ? nil : text
        }
        let reader = FeishuContent { key in
            guard let mention = mentions.first(where: { $0["key"]?.string == key }) else { return nil }
            return Participant(id: key, name: mention["name"]?.string)
        }
        guard let segments = reader.segments(type: type, content: content) else { return nil }
        let text = FeishuEventDecoder.text(of: segments)
        return text.isEmpty ? nil : text
    }

    /// Every `content` and `text` string of a card, in order (markdown and plain_text elements).
    private static func cardTexts(_ node: JSONValue) -> [String] {
        switch node {
        case .object(let fields):
            return fields.sorted { $0.key < $1.key }.flatMap { key, value -> [String] in
                if key == "content" || key == "text", let text = value.string { return [text] }
                return cardTexts(value)
            }
        case .array(let items):
            return items.flatMap(cardTexts)
        default:
            return []
        }
    }
}
