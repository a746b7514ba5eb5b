import Crypto
import Foundation
import SwitchboardCore
import SwitchboardTelemetry
import Synchronization

/// `message_type: ai_card` (platforms-2.md §3.2): the answer types itself into an AI card. The
/// card is created and delivered in one call from a template (`card_template_id`; the official
/// SDK's public AI card by default — whether it works for every tenant is unconfirmed), shows a
/// spinner, turns to "inputting" with the first text, gets the whole answer so far as it grows
/// (`PUT /v1.0/card/streaming`, `isFull`, no closer together than `card_update_interval`: DingTalk
/// answers 403 to updates under ~500 ms apart), and ends with a final frame and the "finished"
/// state. The card's `outTrackId` is derived from the job, so a retried job updates the same card.
/// A card refused before the answer starts ▸ Markdown messages (said once; the bot stops trying
/// cards until restarted); a failure mid-answer ▸ the card shows its error state and the answer
/// goes as Markdown, read once.
enum DingTalkAICard {
    static let publicTemplate = "382e4302-551d-4880-bf29-a30acfab2e71.schema"
    static let contentKey = "msgContent"
    static let stateKey = "dingtalk.ai_card"

    /// `flowStatus` values (strings, as the SDK sends them).
    enum Flow: String {
        case processing = "1", inputting = "2", finished = "3", failed = "5"
    }

    struct Record: Codable, Equatable {
        var outTrackID: String
        var delivered = false
        var inputting = false
        var finished = false
    }

    /// DingTalk's card APIs allow an app about 40 calls a second; its own connector keeps one
    /// app-wide bucket of 20 (`dingtalk-openclaw-connector` `card.ts`; platforms-3.md §7).
    static let appCallsPerSecond = 20.0
    /// How often a call refused as too fast (403 `QpsLimit`, or 429) is waited out and tried again.
    static let rateLimitTries = 5

    /// Keeps every call on one card at least `interval` after the previous one *ended* (DingTalk
    /// refuses updates arriving closer together with 403; counting from the end keeps a slow call
    /// from bunching the next one up behind it), takes a token of the app's bucket before each,
    /// and waits out a refusal for being too fast — 403 `QpsLimit` or 429 — instead of failing the
    /// answer (a failed job would ask the backend again).
    final class Pacer: Sendable {
        let interval: Duration
        let app: TokenBucket
        private let last = Mutex<ContinuousClock.Instant?>(nil)

        init(interval: Duration, app: TokenBucket) {
            self.interval = interval
            self.app = app
        }

        func run<T: Sendable>(_ call: () async throws -> T) async throws -> T {
            var refusals = 0
            while true {
                if let next = last.withLock({ $0.map { $0 + interval } }), next > .now { try await Task.sleep(until: next) }
                try await app.acquire()
                do {
                    defer { last.withLock { $0 = .now } }
                    return try await call()
                } catch let error as DingTalkAPIError where DingTalkDelivery.isCardRateLimit(error) && refusals < DingTalkAICard.rateLimitTries - 1 {
                    refusals += 1
                    try await Task.sleep(for: .seconds(2 * refusals))
                }
            }
        }
    }

    /// ≤ 64 characters, the same for every attempt of a job.
    static func outTrackID(idempotencyKey: String) -> String {
        "sb-" + SHA256.hash(data: Data(idempotencyKey.utf8)).prefix(24).map { String(format: "%02x", $0) }.joined()
    }
}

extension DingTalkDelivery {
    /// Nil when the card was refused before anything was read: the caller sends Markdown.
    func streamAICard(_ reply: ReplyStream) async throws -> DeliveryReceipt? {
        var record = try await context.replyState.load(DingTalkAICard.Record.self, DingTalkAICard.stateKey)
            ?? DingTalkAICard.Record(outTrackID: DingTalkAICard.outTrackID(idempotencyKey: context.idempotencyKey))
        let pacer = DingTalkAICard.Pacer(interval: adapter.cardUpdateInterval, app: adapter.cardCalls)
        if !record.delivered {
            do {
                try await pacer.run { try await createAndDeliver(record.outTrackID) }
            } catch let error as DingTalkAPIError where !error.isRetryable {
                if adapter.aiCardOff.setFirst() {
                    context.logger.warning(
                        "DingTalk refused the AI card; answers are Markdown messages instead: grant the app Card.Instance.Write and Card.Streaming.Write, check card_template_id, or set message_type: markdown",
                        metadata: ["bot": "\(adapter.botID)", "error": "\(error)"]
                    )
                }
                return nil
            }
            record.delivered = true
            try await context.replyState.save(DingTalkAICard.stateKey, record)
        }
        var pausedUntil: ContinuousClock.Instant?
        var failure: DingTalkAPIError?
        let throttle = StreamThrottle(minimumInterval: adapter.cardUpdateInterval)
        let answer = try await reply.collect(showingPartialsFor: adapter.messageKind.target, throttle: throttle) { text in
            guard failure == nil else { return }
            if let pausedUntil, ContinuousClock.now < pausedUntil { return }
            do {
                try await stream(text, record: &record, finalize: false, pacer: pacer)
            } catch let error as DingTalkAPIError where Self.isCardRateLimit(error) {
                // Too close to the previous update: skip updates for a while (the final one waits).
                pausedUntil = .now + .seconds(2)
            } catch let error as DingTalkAPIError where !error.isRetryable {
                failure = error
            }
        }
        let parts = ReplyRenderer.render(answer, for: adapter.messageKind.target).map(\.text).filter { !$0.isEmpty }
        do {
            if let failure { throw failure }
            if let pausedUntil, ContinuousClock.now < pausedUntil { try await Task.sleep(until: pausedUntil) }
            try await stream(parts.first ?? "", record: &record, finalize: true, pacer: pacer)
            let (outTrackID, final) = (record.outTrackID, parts.first ?? "")
            try await pacer.run { try await updateCard(outTrackID, ["flowStatus": DingTalkAICard.Flow.finished.rawValue, DingTalkAICard.contentKey: final]) }
            record.finished = true
            try await context.replyState.save(DingTalkAICard.stateKey, record)
        } catch let error as DingTalkAPIError where !error.isRetryable {
            context.logger.warning("the DingTalk AI card could not be finished; the answer is sent as Markdown", metadata: ["bot": "\(adapter.botID)", "error": "\(error)"])
            let outTrackID = record.outTrackID
            try? await pacer.run { try await updateCard(outTrackID, ["flowStatus": DingTalkAICard.Flow.failed.rawValue]) }
            return try await sendWhole(answer, key: Self.sentKey + ".after_card")
        }
        // What does not fit the card follows as Markdown messages.
        if parts.count > 1 { _ = try await sendWhole(answer, from: 1, key: Self.sentKey + ".card_rest") }
        return DeliveryReceipt(messageIDs: [record.outTrackID])
    }

    /// DingTalk's gateway answers 403 (QpsLimit) to card updates too close together [3P], and 429
    /// when the app's quota is used up (seen by DingTalk's own connector).
    static func isCardRateLimit(_ error: DingTalkAPIError) -> Bool {
        switch error.kind {
        case .http(403, let code, _): code.lowercased().contains("qps") || code.isEmpty
        case .http(429, _, _): true
        default: false
        }
    }

    // MARK: Calls

    /// `POST /v1.0/card/instances/createAndDeliver`: to the group (the asker @-mentioned) or to the
    /// sender's single chat, with the spinner showing.
    private func createAndDeliver(_ outTrackID: String) async throws {
        let robotCode = event.replyAddress["robot_code"] ?? adapter.robotCode
        let order = #"{"order":["msgTitle","msgContent","staticMsgContent","msgTextList","msgImages","msgSlider","msgButtons"]}"#
        var body: [String: JSONValue] = [
            "cardTemplateId": .string(adapter.cardTemplateID), "outTrackId": .string(outTrackID), "callbackType": "STREAM", "userIdType": 1,
            // cardParamMap is Map<String, String>: every value a string.
            "cardData": ["cardParamMap": ["flowStatus": .string(DingTalkAICard.Flow.processing.rawValue), "msgContent": "", "staticMsgContent": "", "sys_full_json_obj": .string(order)]],
        ]
        if isGroup {
            body["openSpaceId"] = .string("dtv1.card//IM_GROUP.\(event.conversation.id)")
            body["imGroupOpenSpaceModel"] = ["supportForward": true]
            var deliver: [String: JSONValue] = ["robotCode": .string(robotCode)]
            if adapter.mentionSender, let staffID { deliver["atUserIds"] = .object([staffID: .string(event.sender.name ?? staffID)]) }
            body["imGroupOpenDeliverModel"] = .object(deliver)
        } else {
            guard let staffID else {
                throw DingTalkAPIError(botID: adapter.botID, api: "card/instances/createAndDeliver", kind: .http(400, "NoStaffId", "the sender has no staff id"))
            }
            body["openSpaceId"] = .string("dtv1.card//IM_ROBOT.\(staffID)")
            body["imRobotOpenSpaceModel"] = ["supportForward": true]
            body["imRobotOpenDeliverModel"] = ["spaceType": "IM_ROBOT", "robotCode": .string(robotCode)]
        }
        let payload = JSONValue.object(body)
        let answer = try await withToken { token, transport in
            try await adapter.api.post("/v1.0/card/instances/createAndDeliver", api: "card/instances/createAndDeliver", body: payload, token: token, transport: transport)
        }
        // A 200 may carry a failed delivery [M].
        if let results = answer["result"]?["deliverResults"]?.array, let failed = results.first(where: { $0["success"] == .bool(false) }) {
            throw DingTalkAPIError(
                botID: adapter.botID, api: "card/instances/createAndDeliver", kind: .http(400, "DeliverFailed", failed["errorMsg"]?.string ?? "the card was not delivered")
            )
        }
    }

    /// One streaming frame with the whole text so far; the card turns to "inputting" first.
    private func stream(_ text: String, record: inout DingTalkAICard.Record, finalize: Bool, pacer: DingTalkAICard.Pacer) async throws {
        if !record.inputting {
            let outTrackID = record.outTrackID
            try await pacer.run { try await updateCard(outTrackID, ["flowStatus": DingTalkAICard.Flow.inputting.rawValue]) }
            record.inputting = true
            try await context.replyState.save(DingTalkAICard.stateKey, record)
        }
        let body: JSONValue = [
            "outTrackId": .string(record.outTrackID), "guid": .string(UUID().uuidString.lowercased()), "key": .string(DingTalkAICard.contentKey),
            "content": .string(text), "isFull": true, "isFinalize": .bool(finalize), "isError": false,
        ]
        _ = try await pacer.run {
            try await withToken { token, transport in
                try await adapter.api.put("/v1.0/card/streaming", api: "card/streaming", body: body, token: token, transport: transport)
            }
        }
        Meter.increment(MetricName.messageUpdates, .bot(adapter.botID, platform: adapter.platform))
    }

    /// `PUT /v1.0/card/instances`, changing only the variables given.
    private func updateCard(_ outTrackID: String, _ values: [String: String]) async throws {
        let body: JSONValue = [
            "outTrackId": .string(outTrackID), "cardData": ["cardParamMap": .object(values.mapValues(JSONValue.string))],
            "cardUpdateOptions": ["updateCardDataByKey": true], "userIdType": 1,
        ]
        _ = try await withToken { token, transport in
            try await adapter.api.put("/v1.0/card/instances", api: "card/instances", body: body, token: token, transport: transport)
        }
    }

    private func withToken(_ call: @Sendable (String, any HTTPTransport) async throws -> JSONValue) async throws -> JSONValue {
        try await adapter.token.withToken(transport: context.transport, isRejection: DingTalkAccessToken.isRejection) { [transport = context.transport] token in
            try await call(token, transport)
        }
    }
}
