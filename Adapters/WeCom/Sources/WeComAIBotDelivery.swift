import Foundation
import SwitchboardCore
import SwitchboardTelemetry

/// Delivers one AI-bot answer: the text so far goes to the stream state as it grows (throttled),
/// the finished answer with `finish: true` and its pictures in `msg_item` (``WeComStreamImages``).
/// What the stream cannot carry — a part past its 20 480
/// bytes, or a whole answer finished after the stream window — goes through the message's
/// one-use `response_url`.
struct WeComAIBotDelivery {
    let adapter: WeComAIBotAdapter
    let event: ChatEvent
    let context: DeliveryContext

    /// Stop relying on the stream a little before WeCom closes it.
    static let margin: Duration = .seconds(30)
    static let responseURLUsedKey = "wecom.response_url_used"

    func run(_ reply: ReplyStream) async throws -> DeliveryReceipt {
        guard let streamID = event.replyAddress["stream_id"] else {
            throw WeComDeliveryError(botID: adapter.botID, reason: "the event has no stream_id in its reply_address")
        }
        let answer = try await reply.collect(showingPartialsFor: .wecomStream, throttle: StreamThrottle()) {
            try await save(WeComStreamState(content: $0, finish: false))
        }
        let open = isStreamOpen()
        // The pictures ride on the finishing frame; response_url cannot carry them, so they stay
        // links when the stream has closed.
        let (text, images) = open
            ? await WeComStreamImages.resolving(answer, transport: context.transport, logger: context.logger, botID: adapter.botID)
            : (answer, [])
        let final = Self.finalMessages(text, streamOpen: open)
        try await save(WeComStreamState(content: final.frame, finish: true, images: images.isEmpty ? nil : images))
        if final.shortened {
            context.logger.warning(
                "the answer is longer than the AI-bot stream and its one response_url message can carry; it was shortened, with a line saying so",
                metadata: ["bot": "\(adapter.botID)", "answer_bytes": "\(answer.markdown.utf8.count)"]
            )
        }
        if let rest = final.responseURL {
            try await sendOnce(rest)
        }
        return DeliveryReceipt(messageIDs: [streamID])
    }

    /// The last line of an answer too long for the stream plus the one response_url message.
    static let shortenedNotice = "⚠️ 回答过长，后面的部分已省略。/ The answer was too long; the rest was left out."

    /// The stream's last frame and what goes through response_url: the parts past the first, or,
    /// once WeCom has stopped polling the stream, the whole answer — one message, so what does not
    /// fit it is cut, visibly (`shortened`). Its markdown size limit is not documented; the
    /// stream's 20 480 bytes is assumed.
    static func finalMessages(_ answer: Reply, streamOpen: Bool) -> (frame: String, responseURL: String?, shortened: Bool) {
        let parts = ReplyRenderer.render(answer, for: .wecomStream).map(\.text)
        let rest = streamOpen ? Array(parts.dropFirst()) : parts
        guard !rest.isEmpty else { return (parts.first ?? "", nil, false) }
        let overflow = ReplyRenderer.renderShortened(Reply(markdown: rest.joined(separator: "\n\n")), for: .wecomStream, notice: shortenedNotice)
        return (parts.first ?? "", overflow.text, overflow.shortened)
    }

    /// The stream's text as the next poll reads it: an update in place.
    private func save(_ state: WeComStreamState) async throws {
        try await context.replyState.save(WeComStreamState.key, state)
        Meter.increment(MetricName.messageUpdates, .bot(adapter.botID, platform: adapter.platform))
    }

    private func isStreamOpen() -> Bool {
        let deadline = event.timestamp.addingTimeInterval(Double((WeComStreamID.window - Self.margin).components.seconds))
        return Date() < deadline
    }

    /// `response_url` takes one message, once (platforms.md §1c.3), as plain JSON.
    private func sendOnce(_ content: String) async throws {
        guard try await context.replyState.load(Bool.self, Self.responseURLUsedKey) != true else { return }
        guard let url = event.replyAddress["response_url"] else {
            context.logger.warning("the answer outgrew the AI-bot stream but the message has no response_url; the rest is not sent")
            return
        }
        _ = try await WeComAPI.exchange(
            .post, url: url, api: "aibot/response", botID: adapter.botID, body: try WeComPayloads.encode(WeComPayloads.SimpleMessage.markdown(content)),
            transport: context.transport
        )
        // Marked after sending: a retry after a failed send may try again, and a URL WeCom has
        // already taken refuses a second use by itself.
        try await context.replyState.save(Self.responseURLUsedKey, true)
    }
}

struct WeComDeliveryError: Error, RetryableError, CustomStringConvertible {
    var botID: String
    var reason: String
    var isRetryable: Bool { false }
    var description: String { "cannot deliver for WeCom bot \(botID): \(reason)" }
}
