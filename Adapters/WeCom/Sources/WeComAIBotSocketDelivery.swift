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
        if event.kind == .cardAction { return try await updateCard(reqID: reqID, with: try await reply.collect()) }
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
    ///
    /// Every frame carries the whole text so far, so an update whose ack does not come in time is
    /// not worth failing the answer for: the next one says it all again. The finishing frame is
    /// sent again (the same stream id and text) when its ack does not come, up to
    /// ``finishTries`` times, before the job is failed — a retried job would ask the backend again.
    private func respond(reqID: String, streamID: String, content: String, finish: Bool, images: [WeComStreamImages.Item] = []) async throws -> Bool {
        let body = WeComPayloads.StreamFrame(id: streamID, finish: finish, content: content, images: images).json
        let frame = WeComAIBotLink.frame("aibot_respond_msg", reqID: reqID, body: body)
        var tries = 0
        while true {
            tries += 1
            let ack: JSONValue
            do {
                ack = try await adapter.link.request(frame, reqID: reqID)
            } catch let error as WeComAIBotLinkError where error.kind == .timeout {
                if !finish {
                    context.logger.notice("WeCom did not acknowledge a stream update in time; the next one carries the whole text", metadata: ["bot": "\(adapter.botID)"])
                    return false
                }
                guard tries < Self.finishTries else { throw error }
                context.logger.notice("WeCom did not acknowledge the stream's last frame in time; sending it again", metadata: ["bot": "\(adapter.botID)", "try": "\(tries + 1)"])
                continue
            }
            let code = ack["errcode"]?.integer ?? 0
            if Self.streamGone.contains(code) { return true }
            // A finishing frame sent again after a lost ack may find the stream finished by the first.
            if finish, tries > 1, code == Self.answeredAlready { return false }
            guard code == 0 else { throw WeComAIBotCommandError(botID: adapter.botID, command: "aibot_respond_msg", code: code, message: ack["errmsg"]?.string ?? "") }
            return false
        }
    }

    /// How often the finishing frame is sent when its ack does not come.
    static let finishTries = 3
    /// 846606: the message was answered already [3P].
    static let answeredAlready = 846_606

    /// A card's click is answered by updating the card — `aibot_respond_update_msg` with the click's
    /// `req_id` within 5 s (platforms-3.md §6; a stream reply to an event gets 846605) — here to a
    /// `text_notice` card of the same `task_id` that shows the answer to the person who clicked.
    /// Too late for that, refused, or longer than the card shows: the whole answer follows as a
    /// message.
    private func updateCard(reqID: String, with answer: Reply) async throws -> DeliveryReceipt {
        let text = ReplyRenderer.render(answer, for: .wecomStream).map(\.text).joined(separator: "\n")
        guard let taskID = event.replyAddress["task_id"], Date() < event.timestamp.addingTimeInterval(Self.cardUpdateWindow) else {
            return try await sendProactively(answer)
        }
        let (card, whole) = WeComPayloads.noticeCard(taskID: taskID, text: text)
        let body: JSONValue = ["response_type": "update_template_card", "userids": [.string(event.sender.id)], "template_card": card]
        let ack = try await adapter.link.request(WeComAIBotLink.frame("aibot_respond_update_msg", reqID: reqID, body: body), reqID: reqID)
        let code = ack["errcode"]?.integer ?? 0
        guard code == 0 else {
            context.logger.notice("WeCom refused the card's update; the answer is sent as a message", metadata: ["bot": "\(adapter.botID)", "errcode": "\(code)"])
            return try await sendProactively(answer)
        }
        if whole { try await context.replyState.save(Self.doneKey, true) }
        return whole ? DeliveryReceipt(messageIDs: [taskID]) : try await sendProactively(answer)
    }

    /// How long after a click its card can be updated (platforms-3.md §6).
    static let cardUpdateWindow: TimeInterval = 5

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
