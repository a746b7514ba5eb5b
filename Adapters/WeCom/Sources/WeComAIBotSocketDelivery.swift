import Foundation
import SwitchboardCore

/// An answer over the AI bot's socket (platforms-2.md §2.5): stream frames with the push's `req_id`
/// — the whole text so far each time, one at a time (each waits for its ack), no more often than
/// `update_interval` — then the finishing frame with the whole answer and its pictures in
/// `msg_item` (``WeComStreamImages``). When WeCom says the stream
/// can no longer be answered (846608: the six-minute window; 846605: a `req_id` from an earlier
/// connection), the answer goes as a proactive `aibot_send_msg` Markdown message instead. What was
/// finished is kept in reply state, so a retried job sends nothing twice.
struct WeComAIBotSocketDelivery {
    let adapter: WeComAIBotSocketAdapter
    let event: ChatEvent
    let context: DeliveryContext

    static let doneKey = "wecom.ws.done"
    /// Errcodes after which the push's `req_id` cannot carry the answer.
    static let streamGone: Set<Int> = [846_605, 846_608]

    func run(_ reply: ReplyStream) async throws -> DeliveryReceipt {
        if try await context.replyState.load(Bool.self, Self.doneKey) == true { return DeliveryReceipt() }
        guard let reqID = event.replyAddress["req_id"], event.kind != .notification else {
            return try await sendProactively(try await reply.collect())
        }
        let streamID = event.replyAddress["stream_id"] ?? WeComAIBotLink.reqID("stream")
        var gone = false
        let answer = try await reply.collect(showingPartialsFor: .wecomStream, throttle: StreamThrottle(minimumInterval: adapter.updateInterval)) { text in
            guard !gone else { return }
            gone = try await respond(reqID: reqID, streamID: streamID, content: text, finish: false)
        }
        let (text, images) = gone
            ? (answer, [])
            : await WeComStreamImages.resolving(answer, transport: context.transport, logger: context.logger, botID: adapter.botID)
        let whole = ReplyRenderer.render(text, for: .wecomStream).first?.text ?? ""
        if !gone, try await !respond(reqID: reqID, streamID: streamID, content: whole, finish: true, images: images) {
            try await context.replyState.save(Self.doneKey, true)
            return DeliveryReceipt(messageIDs: [streamID])
        }
        context.logger.notice("the WeCom AI bot's stream can no longer be answered; the answer is sent as a message", metadata: ["bot": "\(adapter.botID)"])
        return try await sendProactively(answer)
    }

    /// One stream frame; true when WeCom says the stream is gone.
    private func respond(reqID: String, streamID: String, content: String, finish: Bool, images: [WeComStreamImages.Item] = []) async throws -> Bool {
        let body = WeComPayloads.StreamFrame(id: streamID, finish: finish, content: content, images: images).json
        let ack = try await adapter.link.request(WeComAIBotLink.frame("aibot_respond_msg", reqID: reqID, body: body), reqID: reqID)
        let code = ack["errcode"]?.integer ?? 0
        if Self.streamGone.contains(code) { return true }
        guard code == 0 else { throw WeComAIBotCommandError(botID: adapter.botID, command: "aibot_respond_msg", code: code, message: ack["errmsg"]?.string ?? "") }
        return false
    }

    /// `aibot_send_msg`: the answer as Markdown to the chat (group) or the user (single chat).
    private func sendProactively(_ answer: Reply) async throws -> DeliveryReceipt {
        let isGroup = event.conversation.type == .group
        let chat = event.conversation.id
        for part in ReplyRenderer.render(answer, for: .wecomStream).map(\.text) where !part.isEmpty {
            let reqID = WeComAIBotLink.reqID("aibot_send_msg")
            let body: JSONValue = ["chatid": .string(chat), "chat_type": .number(isGroup ? 2 : 1), "msgtype": "markdown", "markdown": ["content": .string(part)]]
            let ack = try await adapter.link.request(WeComAIBotLink.frame("aibot_send_msg", reqID: reqID, body: body), reqID: reqID)
            let code = ack["errcode"]?.integer ?? 0
            guard code == 0 else { throw WeComAIBotCommandError(botID: adapter.botID, command: "aibot_send_msg", code: code, message: ack["errmsg"]?.string ?? "") }
        }
        try await context.replyState.save(Self.doneKey, true)
        return DeliveryReceipt()
    }
}

/// WeCom refused a command on the AI bot's socket, said for people.
struct WeComAIBotCommandError: Error, RetryableError, CustomStringConvertible {
    let botID: String
    let command: String
    let code: Int
    let message: String

    /// 846607: the conversation's frequency limit [3P]; others are refusals.
    var isRetryable: Bool { code == 846_607 }

    var description: String {
        let advice = switch code {
        case 846_607: "WeCom's frequency limit for the conversation; it is tried again later"
        case 846_606: "the message was answered already"
        case 93_006: "the chat id is not one the bot can send to"
        default: "see the WeCom AI bot documentation for errcode \(code)"
        }
        return "WeCom refused \(command) for AI bot \(botID): errcode \(code)\(message.isEmpty ? "" : " (\(message))"); \(advice)"
    }
}
