import Foundation
public import SwitchboardCore

/// `switchboard render --platform wecom --mode app|aibot|robot`: the bodies each mode sends for an
/// answer, built by the same code the adapters deliver with. Ids and secrets are placeholders.
extension WeComAdapterFactory: OutboundPreviewing {
    public var previewModes: [String] { Self.modes }

    public func previewOutbound(for reply: Reply, mode: String, options: RenderOptions) throws -> [OutboundPreview] {
        switch mode {
        case "app":
            let send = "POST \(WeComAPI.defaultBase)/cgi-bin/message/send?access_token=ACCESS_TOKEN"
            return try ReplyRenderer.render(reply, for: .wecomMarkdown, options: options).map(\.text).filter { !$0.isEmpty }.map {
                OutboundPreview(to: send, body: try Self.json(WeComPayloads.appMessage(touser: "USERID", agentID: 1_000_002, type: .markdown, content: $0)))
            }
        case "aibot":
            let final = WeComAIBotDelivery.finalMessages(reply, streamOpen: true)
            var previews = [
                OutboundPreview(
                    to: "the answer to WeCom's last stream refresh poll (encrypted into {encrypt, msgsignature, timestamp, nonce})",
                    body: try Self.json(WeComPayloads.encode(WeComPayloads.StreamFrame(id: "STREAM_ID", finish: true, content: final.frame)))
                )
            ]
            if let rest = final.responseURL {
                previews.append(OutboundPreview(
                    to: "POST RESPONSE_URL (the message's one-use response_url)",
                    body: try Self.json(WeComPayloads.encode(WeComPayloads.SimpleMessage.markdown(rest)))
                ))
            }
            return previews
        case "robot":
            let send = "POST \(WeComAPI.defaultBase)/cgi-bin/webhook/send?key=KEY"
            return try WeComRobotAdapter.bodies(ReplyRenderer.render(reply, for: .wecomMarkdown, options: options).map(\.text), type: .markdown, mentions: MentionList([]))
                .map { OutboundPreview(to: send, body: try Self.json($0)) }
        default:
            throw ConfigError(file: nil, key: "--mode", reason: "must be one of \(Self.modes.joined(separator: ", "))")
        }
    }

    private static func json(_ data: Data) throws -> JSONValue {
        try JSONParser.parse(data)
    }
}
