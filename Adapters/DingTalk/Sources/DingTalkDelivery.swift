import Foundation
import SwitchboardCore

/// Delivers one answer (platforms.md §3b, §3e): through the message's `sessionWebhook` while it
/// lives (≈90 min; a margin is kept), else through the OpenAPI — `groupMessages/send` for groups,
/// `oToMessages/batchSend` for direct chats. Split to the dialect's budget; the parts already sent
/// are kept in reply state, so a retry sends only the rest.
struct DingTalkDelivery {
    let adapter: DingTalkAppAdapter
    let event: ChatEvent
    let context: DeliveryContext

    static let sentKey = "dingtalk.sent_parts"
    static let margin: TimeInterval = 60

    func run(_ reply: ReplyStream) async throws -> DeliveryReceipt {
        if adapter.aiCard, !adapter.aiCardOff.isSet, let receipt = try await streamAICard(reply) { return receipt }
        return try await sendWhole(try await reply.collect())
    }

    /// The finished answer as Markdown (or text) messages, split.
    func sendWhole(_ answer: Reply, from first: Int = 0, key: String = Self.sentKey) async throws -> DeliveryReceipt {
        let parts = Array(ReplyRenderer.render(answer, for: adapter.messageKind.target).map(\.text).filter { !$0.isEmpty }.dropFirst(first))
        try await PartProgress(replyState: context.replyState, key: key).send(parts) { part, index, uncertain in
            if uncertain {
                // DingTalk has no idempotency key: if the earlier attempt's part arrived, it shows twice.
                context.logger.warning(
                    "sending part \(index + 1) again: an earlier attempt ended while it was on its way, and DingTalk cannot drop a repeat",
                    metadata: ["bot": "\(adapter.botID)"]
                )
            }
            try await send(part, first: index + first == 0)
        }
        return DeliveryReceipt()
    }

    var isGroup: Bool { event.conversation.type == .group }
    var staffID: String? { event.replyAddress["sender_staff_id"] }

    private func send(_ part: String, first: Bool) async throws {
        let address = event.replyAddress
        if let webhook = address["session_webhook"], let expires = address["session_webhook_expires"].flatMap(Double.init),
            Date().timeIntervalSince1970 + Self.margin < expires / 1000
        {
            // In groups the asker is @-mentioned on the first part; the text must name them too for
            // the mention to show [M].
            let mention = first && isGroup && adapter.mentionSender ? staffID : nil
            let text = mention.map { adapter.messageKind == .text ? "@\($0) \(part)" : "\(part)\n\n@\($0)" } ?? part
            let body = DingTalkPayloads.message(adapter.messageKind, text, atUserIDs: mention.map { [$0] } ?? [])
            _ = try await DingTalkAPI.exchange(url: webhook, api: "sessionWebhook", botID: adapter.botID, body: body, transport: context.transport)
            return
        }
        guard isGroup || staffID != nil else {
            throw DingTalkDeliveryError(botID: adapter.botID, reason: "the session webhook expired and the sender has no staff id to send to directly")
        }
        let robotCode = address["robot_code"] ?? adapter.robotCode
        let (path, body) = DingTalkPayloads.openAPISend(
            adapter.messageKind, part, robotCode: robotCode, conversationID: isGroup ? event.conversation.id : nil, userID: staffID
        )
        _ = try await adapter.token.withToken(transport: context.transport, isRejection: DingTalkAccessToken.isRejection) { [api = adapter.api, transport = context.transport] token in
            try await api.post(path, api: path.hasSuffix("batchSend") ? "oToMessages/batchSend" : "groupMessages/send", body: body, token: token, transport: transport)
        }
    }
}

struct DingTalkDeliveryError: Error, RetryableError, CustomStringConvertible {
    var botID: String
    var reason: String
    var isRetryable: Bool { false }
    var description: String { "cannot deliver for DingTalk bot \(botID): \(reason)" }
}
