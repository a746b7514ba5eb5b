import Foundation
public import SwitchboardCore

/// `switchboard render --platform dingtalk --mode session|openapi|robot`: the requests each way of
/// sending carries for an answer, built by the same code the adapters deliver with. Ids are
/// placeholders.
extension DingTalkAdapterFactory: OutboundPreviewing {
    public var previewModes: [String] { ["session", "openapi", "robot"] }

    public func previewOutbound(for reply: Reply, mode: String, options: RenderOptions) throws -> [OutboundPreview] {
        let parts = ReplyRenderer.render(reply, for: .dingtalkMarkdown, options: options).map(\.text).filter { !$0.isEmpty }
        switch mode {
        case "session":
            return parts.enumerated().map { index, part in
                let text = index == 0 ? "\(part)\n\n@STAFF_ID" : part
                return OutboundPreview(
                    to: "POST SESSION_WEBHOOK (the message's sessionWebhook, while it lives; in groups the asker is @-mentioned)",
                    body: DingTalkPayloads.message(.markdown, text, atUserIDs: index == 0 ? ["STAFF_ID"] : [])
                )
            }
        case "openapi":
            return parts.map { part in
                let (path, body) = DingTalkPayloads.openAPISend(.markdown, part, robotCode: "ROBOT_CODE", conversationID: "OPEN_CONVERSATION_ID", userID: nil)
                return OutboundPreview(to: "POST \(DingTalkAPI.defaultBase)\(path) (x-acs-dingtalk-access-token; direct chats: /v1.0/robot/oToMessages/batchSend)", body: body)
            }
        case "robot":
            return parts.map {
                OutboundPreview(
                    to: "POST https://oapi.dingtalk.com/robot/send?access_token=ACCESS_TOKEN (with a secret, also &timestamp=…&sign=…)",
                    body: DingTalkPayloads.message(.markdown, $0)
                )
            }
        default:
            throw ConfigError(file: nil, key: "--mode", reason: "must be one of \(previewModes.joined(separator: ", "))")
        }
    }
}
