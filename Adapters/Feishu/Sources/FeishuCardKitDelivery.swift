import Foundation
import SwitchboardCore
import SwitchboardTelemetry

/// `card: cardkit` (the default): the answer types itself into a CardKit card (platforms-2.md
/// §3.1). A card entity in streaming mode is created, sent once (a reply, or a message in the
/// chat), its markdown element's content replaced by the whole answer so far as it grows
/// (`PUT …/elements/stream_md/content`), and streaming is closed at the end. Every operation on the
/// card carries a `sequence` that must strictly increase; sequences are reserved in reply state
/// before they are sent (content updates a block at a time), so a retried job continues the
/// sequence instead of starting over. What does
/// not fit one card continues in ordinary cards.
///
/// When CardKit is refused before the answer is read (no permission, an old tenant), the answer
/// goes as today's PATCH-updated card, and the bot stops trying CardKit until it is restarted; a
/// refusal after the answer started is answered as rich text, without asking the backend again.
extension FeishuDelivery {
    static let cardKitKey = "feishu.cardkit"
    static let cardKitMoreKey = "feishu.cardkit.more"
    static let elementID = "stream_md"

    struct CardKitRecord: Codable, Equatable {
        var cardID: String
        var messageID: String?
        /// The last sequence used on the card.
        var sequence: Int
        var closed = false
        /// Content updates take their sequences from a block reserved in the stored record, so
        /// that one write covers ``sequenceBlock`` updates instead of a write per update (a
        /// durable transaction per card update was a cost of every streamed answer); a retry
        /// continues after the block. Nil in records stored before blocks.
        var reservedThrough: Int?

        /// No sequence above this was used: where a retried delivery continues.
        var usedAtMost: Int { max(sequence, reservedThrough ?? 0) }
    }

    /// Sequences reserved per write of the record. The documented rule is only "strictly
    /// increasing across all operations on the card" (platforms-2.md §3.1): a retry's gap is
    /// allowed by it; should Feishu refuse one anyway (300317), the sequence is bumped and sent
    /// again as after any crash.
    static let sequenceBlock = 32

    /// Nil when CardKit was refused before anything was read: the caller streams PATCHed cards.
    func streamCardKit(_ reply: ReplyStream) async throws -> DeliveryReceipt? {
        var record: CardKitRecord
        do {
            if var stored = try await context.replyState.load(CardKitRecord.self, Self.cardKitKey) {
                stored.sequence = stored.usedAtMost
                record = stored
            } else {
                record = CardKitRecord(cardID: try await createCard(), sequence: 0)
                try await context.replyState.save(Self.cardKitKey, record)
            }
            if record.messageID == nil {
                let content = String(decoding: JSONWriter.data(["type": "card", "data": ["card_id": .string(record.cardID)]]), as: UTF8.self)
                record.messageID = try await send(msgType: "interactive", content: content, uuidKind: "cardkit", part: 0)
                try await context.replyState.save(Self.cardKitKey, record)
            }
        } catch let error as FeishuAPIError where Self.isCardKitRefusal(error) {
            adapter.cardKitRefused(error, logger: context.logger)
            return nil
        }
        var failure: FeishuAPIError?
        let throttle = StreamThrottle(minimumInterval: max(adapter.updateInterval, .milliseconds(200)))
        let collected = try await reply.collect(showingPartialsFor: .feishuCard, throttle: throttle) { text in
            guard failure == nil else { return }
            do {
                try await putContent(text, into: &record)
            } catch let error as FeishuAPIError where Self.isCardKitRefusal(error) {
                failure = error
            }
        }
        // The answer's pictures are uploaded once it is whole; partial updates show them as links.
        let answer = try await FeishuImages(adapter: adapter, context: context).resolving(collected)
        if let failure { return try await fallBack(answer, refusal: failure, placeholder: nil) }
        var parts = ReplyRenderer.render(answer, for: .feishuCard).map(\.text)
        if !parts.isEmpty { parts[0] = FeishuPayloads.mentioning(event.notificationMentions, in: parts[0], kind: .card) }
        do {
            try await putContent(parts.first ?? "", into: &record)
            if !record.closed { try await closeStreaming(&record, summary: answer.markdown) }
        } catch let error as FeishuAPIError where Self.isCardKitRefusal(error) {
            return try await fallBack(answer, refusal: error, placeholder: nil)
        }
        var more = try await context.replyState.load([String].self, Self.cardKitMoreKey) ?? []
        for (index, part) in parts.enumerated().dropFirst() where index - 1 >= more.count {
            more.append(try await send(.card, part, part: index))
            try await context.replyState.save(Self.cardKitMoreKey, more)
        }
        return DeliveryReceipt(messageIDs: [record.messageID ?? ""] + more)
    }

    /// A refusal of CardKit itself (a permission, a parameter, the card): not the rate, the token
    /// or the chat.
    static func isCardKitRefusal(_ error: FeishuAPIError) -> Bool {
        !error.isRetryable && !error.isTokenRejected && error.code != FeishuAPIError.botNotInChat
    }

    // MARK: Calls

    /// `POST /open-apis/cardkit/v1/cards`: a JSON 2.0 card in streaming mode with one markdown
    /// element showing the placeholder.
    private func createCard() async throws -> String {
        let card: JSONValue = [
            "schema": "2.0",
            "config": [
                "streaming_mode": true, "update_multi": true, "summary": ["content": ""],
                "streaming_config": ["print_frequency_ms": ["default": 70], "print_step": ["default": 1], "print_strategy": "fast"],
            ],
            "body": ["elements": [["tag": "markdown", "element_id": .string(Self.elementID), "content": .string(adapter.placeholder)]]],
        ]
        let body: JSONValue = ["type": "card_json", "data": .string(String(decoding: JSONWriter.data(card), as: UTF8.self))]
        let answer = try await call(.post, "/open-apis/cardkit/v1/cards", api: "cardkit/v1/cards", body: JSONWriter.data(body))
        guard let id = answer["data"]?["card_id"]?.string, !id.isEmpty else {
            throw FeishuAPIError(botID: adapter.botID, api: "cardkit/v1/cards", kind: .notJSON)
        }
        return id
    }

    /// Replaces the element's content with `text` (the whole answer so far: Feishu types out what
    /// was added). The sequence is reserved in the stored record before it is used (a block of
    /// ``sequenceBlock`` at a time); a sequence Feishu finds not increasing (300317) is bumped
    /// and sent again; streaming that closed itself (300309, 200850: ten minutes) is opened again.
    private func putContent(_ text: String, into record: inout CardKitRecord) async throws {
        var reopened = false
        for _ in 0..<4 {
            record.sequence += 1
            if record.sequence > record.reservedThrough ?? 0 {
                record.reservedThrough = record.sequence + Self.sequenceBlock - 1
                try await context.replyState.save(Self.cardKitKey, record)
            }
            let body: JSONValue = [
                "content": .string(text.isEmpty ? " " : text), "sequence": .number(Double(record.sequence)),
                "uuid": .string(FeishuPayloads.uuid(idempotencyKey: "\(context.idempotencyKey)#cardkit", part: record.sequence)),
            ]
            do {
                _ = try await call(
                    .put, "/open-apis/cardkit/v1/cards/\(record.cardID)/elements/\(Self.elementID)/content", api: "cardkit/v1/cards.elements.content",
                    body: JSONWriter.data(body)
                )
                Meter.increment(MetricName.messageUpdates, .bot(adapter.botID, platform: adapter.platform))
                return
            } catch let error as FeishuAPIError where error.code == 300_317 {
                continue
            } catch let error as FeishuAPIError where [300_309, 200_850].contains(error.code ?? 0) && !reopened {
                reopened = true
                try await settings(["streaming_mode": true], record: &record)
                record.closed = false
            }
        }
        throw FeishuAPIError(botID: adapter.botID, api: "cardkit/v1/cards.elements.content", kind: .code(300_317, "sequence kept being refused"))
    }

    /// Ends streaming mode; the chat list then shows the answer's start instead of "[生成中...]".
    private func closeStreaming(_ record: inout CardKitRecord, summary: String) async throws {
        let preview = String(summary.split(whereSeparator: \.isNewline).first ?? "").prefix(60)
        try await settings(["streaming_mode": false, "summary": ["content": .string(String(preview))]], record: &record)
        record.closed = true
        try await context.replyState.save(Self.cardKitKey, record)
    }

    /// `PATCH …/settings` with `{"config": config}` as a JSON string.
    private func settings(_ config: JSONValue, record: inout CardKitRecord) async throws {
        record.sequence += 1
        try await context.replyState.save(Self.cardKitKey, record)
        let settings = String(decoding: JSONWriter.data(["config": config]), as: UTF8.self)
        _ = try await call(
            .patch, "/open-apis/cardkit/v1/cards/\(record.cardID)/settings", api: "cardkit/v1/cards.settings",
            body: JSONWriter.data(["settings": .string(settings), "sequence": .number(Double(record.sequence))])
        )
    }
}
