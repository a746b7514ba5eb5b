import Foundation
import Logging
import SwitchboardCore

/// Delivers one answer: a placeholder message as soon as the job starts, edited in place as the
/// answer grows (no more often than `update_interval`, and never while Telegram has asked to wait
/// after a 429), then replaced by the finished answer's first part; further parts follow as new
/// messages. The ids of what was sent are kept in the reply state, so a retry edits the messages
/// it already sent and sends only the rest.
///
/// Telegram has no idempotency key: a crash between a `sendMessage` and the write that records
/// its id sends that message again on the retry. That is logged.
struct TelegramDelivery {
    let adapter: TelegramAdapter
    let event: ChatEvent
    let context: DeliveryContext

    static let sentKey = "telegram.sent"
    static let inFlightKey = "telegram.in_flight"
    /// The longest wait a 429 may ask for before the job is retried later instead.
    static let longestWait = 30

    func run(_ reply: ReplyStream) async throws -> DeliveryReceipt {
        if event.kind == .notification { return try await sendWhole(try await reply.collect()) }
        var sent = try await context.replyState.load([Int64].self, Self.sentKey) ?? []
        if sent.isEmpty {
            sent = [try await send(plain: adapter.placeholder, part: 0)]
            try await context.replyState.save(Self.sentKey, sent)
        }
        let first = sent[0]
        var pausedUntil: ContinuousClock.Instant?
        let answer = try await reply.collect(showingPartialsFor: .telegramMarkdownV2, throttle: StreamThrottle(minimumInterval: adapter.updateInterval)) { text in
            if let pausedUntil, ContinuousClock.now < pausedUntil { return }
            do {
                // A partial waits for nothing: after a 429 the next partials are skipped instead.
                try await edit(first, ["text": .string(text), "parse_mode": "MarkdownV2"], waitingOnLimits: false)
            } catch let error as TelegramAPIError where error.code == 429 {
                pausedUntil = .now + .seconds(error.retryAfter ?? 1)
            } catch let error as TelegramAPIError where error.isParseError || error.isNotModified {
                // The finished answer is what must be right; a partial Telegram cannot read is skipped.
                context.logger.debug("a partial answer was not shown: \(error)", metadata: ["bot": "\(adapter.botID)"])
            }
        }
        if let pausedUntil, ContinuousClock.now < pausedUntil { try await Task.sleep(until: pausedUntil) }
        let parts = ReplyRenderer.render(answer, for: .telegramMarkdownV2).map(\.text).filter { !$0.isEmpty }
        for (index, part) in parts.enumerated() {
            if index < sent.count {
                try await withPlainFallback(answer, part: index) { try await edit(sent[index], markdown: part) } plain: { try await edit(sent[index], plain: $0) }
            } else {
                let id = try await withPlainFallback(answer, part: index) { try await send(markdown: part, part: index) } plain: { try await send(plain: $0, part: index) }
                sent.append(id)
                try await context.replyState.save(Self.sentKey, sent)
            }
        }
        return DeliveryReceipt(messageIDs: sent.map(String.init))
    }

    /// A notification: the finished text at once (nobody is waiting for a placeholder), the people
    /// it asks to mention first.
    private func sendWhole(_ answer: Reply) async throws -> DeliveryReceipt {
        var parts = ReplyRenderer.render(answer, for: .telegramMarkdownV2).map(\.text).filter { !$0.isEmpty }
        let mentions = event.notificationMentions.map { MarkdownDialect.telegramMarkdownV2.style.mention($0, nil) }
        if !mentions.isEmpty, !parts.isEmpty { parts[0] = mentions.joined(separator: " ") + "\n" + parts[0] }
        var sent: [Int64] = []
        for (index, part) in parts.enumerated() {
            sent.append(try await withPlainFallback(answer, part: index) { try await send(markdown: part, part: index) } plain: { try await send(plain: $0, part: index) })
        }
        return DeliveryReceipt(messageIDs: sent.map(String.init))
    }

    /// Runs `markdown`; when Telegram cannot parse it, sends the same part as plain text instead.
    private func withPlainFallback<T>(_ answer: Reply, part: Int, _ markdown: () async throws -> T, plain: (String) async throws -> T) async throws -> T {
        do {
            return try await markdown()
        } catch let error as TelegramAPIError where error.isParseError {
            context.logger.warning("Telegram could not parse the MarkdownV2; part \(part + 1) is sent as plain text", metadata: ["bot": "\(adapter.botID)", "error": "\(error)"])
            let parts = ReplyRenderer.render(answer, for: .telegramText).map(\.text)
            return try await plain(part < parts.count ? parts[part] : parts.last ?? "")
        }
    }

    // MARK: Calls

    private func send(markdown text: String, part: Int) async throws -> Int64 {
        try await send(["text": .string(text), "parse_mode": "MarkdownV2"], part: part)
    }

    private func send(plain text: String, part: Int) async throws -> Int64 {
        try await send(["text": .string(text)], part: part)
    }

    /// `sendMessage` to the chat (and topic) of the event; the first part replies to the user's
    /// message in groups.
    private func send(_ fields: [String: JSONValue], part: Int) async throws -> Int64 {
        var body = fields
        body["chat_id"] = .string(event.replyAddress["chat_id"] ?? event.conversation.id)
        if let thread = event.replyAddress["message_thread_id"], let number = Int64(thread) { body["message_thread_id"] = .number(Double(number)) }
        if part == 0, event.conversation.type == .group, let messageID = event.replyAddress["message_id"].flatMap(Int64.init) {
            body["reply_parameters"] = ["message_id": .number(Double(messageID)), "allow_sending_without_reply": true]
        }
        if try await context.replyState.load(Int.self, Self.inFlightKey) == part {
            context.logger.warning("sending part \(part + 1) again: an earlier attempt may have sent it (Telegram has no idempotency key)", metadata: ["bot": "\(adapter.botID)"])
        }
        try await context.replyState.save(Self.inFlightKey, part)
        let result = try await withRateLimit { try await adapter.api.call("sendMessage", .object(body), transport: context.transport) }
        guard let id = result["message_id"]?.integer else {
            throw TelegramAPIError(botID: adapter.botID, method: "sendMessage", code: nil, description: "the answer has no message_id", retryAfter: nil, answered: true)
        }
        return Int64(id)
    }

    private func edit(_ messageID: Int64, markdown text: String) async throws {
        try await edit(messageID, ["text": .string(text), "parse_mode": "MarkdownV2"])
    }

    private func edit(_ messageID: Int64, plain text: String) async throws {
        try await edit(messageID, ["text": .string(text)])
    }

    /// `editMessageText`; "message is not modified" (a retry, or an answer that did not change) is
    /// success.
    private func edit(_ messageID: Int64, _ fields: [String: JSONValue], waitingOnLimits: Bool = true) async throws {
        var body = fields
        body["chat_id"] = .string(event.replyAddress["chat_id"] ?? event.conversation.id)
        body["message_id"] = .number(Double(messageID))
        do {
            _ = try await withRateLimit(waiting: waitingOnLimits) { try await adapter.api.call("editMessageText", .object(body), transport: context.transport) }
        } catch let error as TelegramAPIError where error.isNotModified {
            return
        }
    }

    /// Runs a call; a 429 asking for at most ``longestWait`` seconds is waited out and the call
    /// made again (up to three times), a longer one fails the attempt (retried later).
    private func withRateLimit<T>(waiting: Bool = true, _ call: () async throws -> T) async throws -> T {
        var waits = waiting ? 0 : 3
        while true {
            do {
                return try await call()
            } catch let error as TelegramAPIError where error.code == 429 && waits < 3 && (error.retryAfter ?? 1) <= Self.longestWait {
                waits += 1
                context.logger.notice("Telegram asks to wait \(error.retryAfter ?? 1) s", metadata: ["bot": "\(adapter.botID)"])
                try await Task.sleep(for: .seconds(error.retryAfter ?? 1))
            }
        }
    }
}
