import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTelemetry

/// Delivers one answer for the app (platforms.md §2c). As a card: a placeholder card is posted as
/// soon as the job starts, updated in place as the answer grows (throttled), and replaced by the
/// whole rendered answer at the end; what does not fit one card continues in further cards. As
/// post or text: the finished answer, split. A card Feishu refuses falls back to post, a refused
/// post to text.
///
/// Every send carries a `uuid` derived from the job, the kind and the part, and the ids of what was
/// sent are kept in the reply state: a retried job updates the cards it already posted and never
/// posts a part twice.
struct FeishuDelivery {
    let adapter: FeishuAppAdapter
    let event: ChatEvent
    let context: DeliveryContext

    static let sentKey = "feishu.sent"
    static let kindKey = "feishu.kind"

    func run(_ reply: ReplyStream) async throws -> DeliveryReceipt {
        do {
            // The answer's files go as file messages after the text, not as links under it.
            let files = AnswerFileCollector()
            var receipt = try await sendText(reply.takingFiles(into: files))
            receipt.messageIDs += try await FeishuFiles(delivery: self).send(files.taken)
            return receipt
        } catch let error as FeishuAPIError where error.code == FeishuAPIError.botNotInChat {
            adapter.warnNotInChat(event.conversation.id, logger: context.logger)
            return DeliveryReceipt()
        }
    }

    private func sendText(_ reply: ReplyStream) async throws -> DeliveryReceipt {
        let stored = try await context.replyState.load(String.self, Self.kindKey).flatMap(FeishuMessageKind.init(rawValue:))
        let kind = stored ?? adapter.messageKind
        if kind == .card {
            if adapter.usesCardKit, let receipt = try await streamCardKit(reply) { return receipt }
            return try await streamCards(reply)
        }
        return try await sendWhole(try await reply.collect(), kind: kind)
    }

    /// A refusal of the message itself (its kind or content), not of the token, the rate or the chat.
    static func isRefusal(_ error: FeishuAPIError) -> Bool {
        guard let code = error.code else { return false }
        return !error.isRetryable && !error.isTokenRejected && code != FeishuAPIError.botNotInChat && code != 99991672
    }

    // MARK: Card, streamed

    /// What the placeholder card says when the answer had to go as rich text instead.
    static let movedNotice = "⬇️ 回答见下方消息。/ The answer is in the message below."

    /// The answer in cards, updated as it grows. When Feishu refuses a card (its content, at any
    /// point), the answer is read to its end all the same — the backend's stream is read once,
    /// never asked again — and sent as rich text; the placeholder then points to it.
    private func streamCards(_ reply: ReplyStream) async throws -> DeliveryReceipt {
        var sent = try await context.replyState.load([String].self, Self.sentKey) ?? []
        if sent.isEmpty {
            do {
                sent = [try await send(.card, adapter.placeholder, part: 0)]
            } catch let error as FeishuAPIError where Self.isRefusal(error) {
                return try await fallBack(try await reply.collect(), refusal: error, placeholder: nil)
            }
            try await context.replyState.save(Self.sentKey, sent)
        }
        let first = sent[0]
        var refusal: FeishuAPIError?
        let collected = try await reply.collect(showingPartialsFor: .feishuCard, throttle: StreamThrottle(minimumInterval: adapter.updateInterval)) { text in
            guard refusal == nil else { return }
            do {
                try await patch(first, text)
            } catch let error as FeishuAPIError where Self.isRefusal(error) {
                refusal = error
            }
        }
        // The answer's pictures are uploaded once it is whole; partial updates show them as links.
        let answer = try await FeishuImages(adapter: adapter, context: context).resolving(collected)
        if let refusal { return try await fallBack(answer, refusal: refusal, placeholder: first) }
        var parts = ReplyRenderer.render(answer, for: .feishuCard).map(\.text)
        if !parts.isEmpty { parts[0] = FeishuPayloads.mentioning(event.notificationMentions, in: parts[0], kind: .card) }
        do {
            try await patch(sent[0], parts.first ?? "")
            for (index, part) in parts.enumerated().dropFirst() {
                if index < sent.count {
                    try await patch(sent[index], part)
                } else {
                    sent.append(try await send(.card, part, part: index))
                    try await context.replyState.save(Self.sentKey, sent)
                }
            }
        } catch let error as FeishuAPIError where Self.isRefusal(error) {
            return try await fallBack(answer, refusal: error, placeholder: first)
        }
        return DeliveryReceipt(messageIDs: sent)
    }

    /// Sends the whole answer as rich text after a refused card, and points the placeholder card
    /// (when one was posted) to it — best effort: the answer itself is what must arrive.
    func fallBack(_ answer: Reply, refusal: FeishuAPIError, placeholder: String?) async throws -> DeliveryReceipt {
        context.logger.warning("Feishu refused the card; the answer is sent as rich text", metadata: ["bot": "\(adapter.botID)", "error": "\(refusal)"])
        let receipt = try await sendWhole(answer, kind: .post)
        if let placeholder {
            do {
                try await patch(placeholder, Self.movedNotice)
            } catch {
                context.logger.notice("could not point the placeholder card to the answer: \(error)", metadata: ["bot": "\(adapter.botID)"])
            }
        }
        return receipt
    }

    // MARK: Post or text, whole

    private func sendWhole(_ answer: Reply, kind: FeishuMessageKind) async throws -> DeliveryReceipt {
        try await context.replyState.save(Self.kindKey, kind.rawValue)
        var parts = ReplyRenderer.render(answer, for: kind.target).map(\.text).filter { !$0.isEmpty }
        if !parts.isEmpty { parts[0] = FeishuPayloads.mentioning(event.notificationMentions, in: parts[0], kind: kind) }
        var sent = try await context.replyState.load([String].self, Self.sentKey + "." + kind.rawValue) ?? []
        for (index, part) in parts.enumerated() where index >= sent.count {
            do {
                sent.append(try await send(kind, part, part: index))
            } catch let error as FeishuAPIError where kind == .post && index == 0 && Self.isRefusal(error) {
                context.logger.warning("Feishu refused the rich text; the answer is sent as text", metadata: ["bot": "\(adapter.botID)", "error": "\(error)"])
                return try await sendWhole(answer, kind: .text)
            }
            try await context.replyState.save(Self.sentKey + "." + kind.rawValue, sent)
        }
        return DeliveryReceipt(messageIDs: sent)
    }

    // MARK: Calls

    /// Replies to the user's message when there is one (in its thread when configured, or when the
    /// message is in a thread already), else creates a message in the chat.
    func send(_ kind: FeishuMessageKind, _ text: String, part: Int) async throws -> String {
        let (msgType, content) = try FeishuPayloads.message(kind, text)
        return try await send(msgType: msgType, content: content, uuidKind: kind.rawValue, part: part)
    }

    /// Sends a message of `msgType` with `content`; `uuidKind` and `part` make its idempotency key.
    func send(msgType: String, content: String, uuidKind: String, part: Int) async throws -> String {
        let uuid = FeishuPayloads.uuid(idempotencyKey: "\(context.idempotencyKey)#\(uuidKind)", part: part)
        let path: String
        let body: FeishuPayloads.Send
        if let messageID = event.replyAddress["message_id"] ?? event.messageID {
            let inThread = event.conversation.thread != nil || (adapter.replyInThread && event.conversation.type == .group)
            path = "/open-apis/im/v1/messages/\(messageID)/reply"
            body = FeishuPayloads.Send(msgType: msgType, content: content, replyInThread: inThread ? true : nil, uuid: uuid)
        } else {
            path = "/open-apis/im/v1/messages?receive_id_type=chat_id"
            body = FeishuPayloads.Send(receiveID: event.replyAddress["chat_id"] ?? event.conversation.id, msgType: msgType, content: content, uuid: uuid)
        }
        let object = try await call(.post, path, api: "im/v1/messages", body: try FeishuPayloads.encode(body))
        return object["data"]?["message_id"]?.string ?? ""
    }

    /// Replaces a card with a new version (`update_multi` kept true).
    private func patch(_ messageID: String, _ markdown: String) async throws {
        let card = try FeishuPayloads.string(FeishuPayloads.Card(markdown: markdown))
        _ = try await call(.patch, "/open-apis/im/v1/messages/\(messageID)", api: "im/v1/messages.patch", body: try FeishuPayloads.encode(FeishuPayloads.Patch(content: card)))
        Meter.increment(MetricName.messageUpdates, .bot(adapter.botID, platform: adapter.platform))
    }

    func call(_ method: HTTPRequest.Method, _ path: String, api name: String, body: Data) async throws -> [String: JSONValue] {
        try await adapter.token.withToken(transport: context.transport, isRejection: FeishuTenantToken.isRejection) { [api = adapter.api, transport = context.transport] token in
            try await api.call(method, path, api: name, token: token, body: body, transport: transport)
        }
    }
}
