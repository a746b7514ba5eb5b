import Foundation
public import SwitchboardCore

/// `switchboard render --platform feishu --mode card|post|text|webhook`: the requests each mode
/// sends for an answer, built by the same code the adapters deliver with. Ids are placeholders.
extension FeishuAdapterFactory: OutboundPreviewing {
    public var previewModes: [String] { ["card", "post", "text", "webhook"] }

    public func previewOutbound(for reply: Reply, mode: String, options: RenderOptions) throws -> [OutboundPreview] {
        let base = "\(FeishuAPI.feishuHost)/open-apis/im/v1/messages"
        let key = "JOB_ID"
        func send(_ kind: FeishuMessageKind, _ text: String, part: Int) throws -> OutboundPreview {
            let (msgType, content) = try FeishuPayloads.message(kind, text)
            let uuid = FeishuPayloads.uuid(idempotencyKey: "\(key)#\(kind.rawValue)", part: part)
            let body = FeishuPayloads.Send(msgType: msgType, content: content, uuid: uuid)
            return OutboundPreview(to: "POST \(base)/MESSAGE_ID/reply", body: try Self.json(FeishuPayloads.encode(body)))
        }
        switch mode {
        case "card":
            let parts = ReplyRenderer.render(reply, for: .feishuCard, options: options).map(\.text)
            var previews = [try send(.card, "思考中…", part: 0)]
            let card = try FeishuPayloads.string(FeishuPayloads.Card(markdown: parts.first ?? ""))
            previews.append(OutboundPreview(
                to: "PATCH \(base)/CARD_MESSAGE_ID (the last update; earlier ones show the answer growing)",
                body: try Self.json(FeishuPayloads.encode(FeishuPayloads.Patch(content: card)))
            ))
            for (index, part) in parts.enumerated().dropFirst() { previews.append(try send(.card, part, part: index)) }
            return previews
        case "post", "text":
            let kind = FeishuMessageKind(rawValue: mode)!
            return try ReplyRenderer.render(reply, for: kind.target, options: options).map(\.text).filter { !$0.isEmpty }
                .enumerated().map { try send(kind, $0.element, part: $0.offset) }
        case "webhook":
            return try ReplyRenderer.render(reply, for: .feishuWebhookCard, options: options).map(\.text).filter { !$0.isEmpty }.map {
                OutboundPreview(
                    to: "POST \(FeishuAPI.feishuHost)/open-apis/bot/v2/hook/HOOK_TOKEN (with a secret, also timestamp and sign)",
                    body: try Self.json(FeishuWebhookAdapter.body($0, kind: .card, secret: nil, now: Date()))
                )
            }
        default:
            throw ConfigError(file: nil, key: "--mode", reason: "must be one of \(previewModes.joined(separator: ", "))")
        }
    }

    private static func json(_ data: Data) throws -> JSONValue {
        try JSONParser.parse(data)
    }
}
