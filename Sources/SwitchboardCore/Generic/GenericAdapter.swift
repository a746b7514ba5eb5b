public import Foundation
import HTTPTypes
import Synchronization

/// The adapter for Switchboard's own wire format (`platform: generic`): a process written in any
/// language POSTs Event JSON, signed with the bot's secret, and receives replies as signed POSTs
/// to its `callback_url`. See ARCHITECTURE.md, "The generic adapter".
public struct GenericAdapter: ChatAdapter {
    public static let platformName = "generic"
    /// How far the sender's clock may be from ours.
    public static let defaultMaxClockSkew: Duration = .seconds(300)
    /// How long the callback may take to answer.
    static let callbackTimeout: Duration = .seconds(15)
    static let sentKey = "generic.sent"

    public let botID: String
    public var platform: String { Self.platformName }
    let signature: GenericSignature
    /// Where replies go; without one they are written to the log (for trying things out).
    let callbackURL: URL?
    let maxClockSkew: Duration
    /// The most bytes a media URL in a message may have to be passed on (`max_media_bytes`).
    public let maxMediaBytes: Int

    public init(
        botID: String, secret: String, callbackURL: URL?, maxClockSkew: Duration = Self.defaultMaxClockSkew, maxMediaBytes: Int = 15 << 20
    ) {
        self.botID = botID
        self.signature = GenericSignature(secret: secret)
        self.callbackURL = callbackURL
        self.maxClockSkew = maxClockSkew
        self.maxMediaBytes = maxMediaBytes
    }

    public var capabilities: AdapterCapabilities {
        AdapterCapabilities(maxMessageBytes: 1 << 20, markdownDialect: .commonMark, groupsDeliverUnmentionedMessages: true)
    }

    // MARK: Receiving

    public func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        guard request.method == .post else { throw WebhookRejection.methodNotAllowed("POST Event JSON to this URL") }
        try verify(request, now: context.now)
        let events: [ChatEvent]
        do {
            events = try EventJSON.decodeEvents(from: request.body)
        } catch {
            throw WebhookRejection.badRequest("malformed Event JSON: \(Self.describe(error))")
        }
        return .accept(try events.map(normalise), ack: .json(raw: #"{"ok":true}"#))
    }

    /// Signature first, then the clock: nothing is parsed before both pass.
    private func verify(_ request: WebhookRequest, now: Date) throws {
        guard let timestampText = request.headers[GenericSignature.timestampHeader] else {
            throw WebhookRejection.unauthorized("missing X-Switchboard-Timestamp header")
        }
        guard let signatureText = request.headers[GenericSignature.signatureHeader] else {
            throw WebhookRejection.unauthorized("missing X-Switchboard-Signature header")
        }
        guard signature.isValid(signature: signatureText, timestampHeader: timestampText, body: request.body) else {
            throw WebhookRejection.unauthorized(
                "signature mismatch: sign \"<timestamp>.<raw body>\" with HMAC-SHA256 and the bot's secret"
            )
        }
        guard let timestamp = Int64(timestampText) else {
            throw WebhookRejection.unauthorized("X-Switchboard-Timestamp must be Unix seconds")
        }
        let skew = abs(now.timeIntervalSince1970 - Double(timestamp))
        guard skew <= Double(maxClockSkew.components.seconds) else {
            throw WebhookRejection.unauthorized(
                "stale timestamp: more than \(maxClockSkew.components.seconds) s from server time; check the sender's clock"
            )
        }
    }

    /// Fills in the bot and makes the id bot-scoped; refuses events meant for another bot.
    private func normalise(_ event: ChatEvent) throws -> ChatEvent {
        var event = event
        guard event.platform == Self.platformName else {
            throw WebhookRejection.badRequest("event platform must be \"generic\" for a generic bot; tell sources apart by bot id")
        }
        if event.bot.isEmpty { event.bot = botID }
        guard event.bot == botID else {
            throw WebhookRejection.badRequest("event is for bot \"\(event.bot)\" but was sent to bot \"\(botID)\"")
        }
        guard !event.id.isEmpty else { throw WebhookRejection.badRequest("event id must not be empty") }
        if !event.id.hasPrefix("\(botID):") { event.id = "\(botID):\(event.id)" }
        return event
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at \(path(context.codingPath))"
        @unknown default: return "not valid Event JSON"
        }
    }

    // MARK: Delivering

    public func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        let reply = try await reply.collect()
        let body = try EventJSON.encode(GenericCallback(eventID: event.id, conversation: event.conversation, reply: reply))
        guard let callbackURL else {
            context.logger.info("reply (no callback_url configured)", metadata: ["reply": "\(String(decoding: body, as: UTF8.self))"])
            return DeliveryReceipt()
        }
        let sent = Mutex<[String]>([])
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send([body]) { body, _, uncertain in
            if uncertain {
                // The receiver dedupes by event_id, as the callback's contract says.
                context.logger.warning("sending the callback again: an earlier attempt ended while it was on its way, so it may arrive twice (same event_id)")
            }
            var headers = signature.headers(for: body, now: Date())
            headers[.contentType] = "application/json"
            let response = try await context.transport.execute(
                OutboundRequest(method: .post, url: callbackURL.absoluteString, headers: headers, body: body, timeout: Self.callbackTimeout)
            )
            let answer = (try? await response.body.collect(upTo: 64 * 1024)) ?? Data()
            guard response.status.kind == .successful else {
                throw GenericCallbackError(status: response.status.code)
            }
            sent.withLock { $0 += Self.messageIDs(in: answer) }
        }
        return DeliveryReceipt(messageIDs: sent.withLock { $0 })
    }

    /// The ids of the messages the receiver posted, if its answer says them
    /// (`{"message_ids": ["…"]}` or `{"message_id": "…"}`): a later message with `reply_to` one of
    /// them replies to the bot.
    static func messageIDs(in answer: Data) -> [String] {
        guard !answer.isEmpty, let object = (try? JSONParser.parse(answer))?.object else { return [] }
        if let ids = object["message_ids"]?.array { return ids.compactMap(\.string).filter { !$0.isEmpty } }
        return object["message_id"]?.string.map { [$0] } ?? []
    }
}

/// The body POSTed to a generic bot's `callback_url`.
struct GenericCallback: Encodable {
    var eventID: String
    var conversation: Conversation
    var reply: Reply

    enum CodingKeys: String, CodingKey {
        case eventID = "event_id"
        case conversation, reply
    }

    private enum ReplyKeys: String, CodingKey {
        case markdown, citations, files
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(eventID, forKey: .eventID)
        try c.encode(conversation, forKey: .conversation)
        var r = c.nestedContainer(keyedBy: ReplyKeys.self, forKey: .reply)
        try r.encode(reply.markdown, forKey: .markdown)
        try r.encode(reply.citations, forKey: .citations)
        if !reply.files.isEmpty { try r.encode(reply.files, forKey: .files) }
    }
}

/// The callback answered with an error status. 4xx other than 408/429 means the callback itself
/// refuses (wrong URL, rejected signature): retrying will not help.
struct GenericCallbackError: Error, RetryableError, DeliveryUncertainty, CustomStringConvertible {
    var status: Int
    /// The callback answered: it did not take the reply.
    var mayHaveArrived: Bool { false }
    var isRetryable: Bool { status >= 500 || status == 408 || status == 429 }
    var description: String { "callback_url answered HTTP \(status)" }
}

/// Builds generic bots: `{platform: generic, secret: …, callback_url: …}`.
public struct GenericAdapterFactory: AdapterFactory {
    public init() {}
    public var platform: String { GenericAdapter.platformName }

    public func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
        let secret = try config.string("secret")
        guard secret.utf8.count >= 16 else { throw config.error("secret", "must be at least 16 characters") }
        return GenericAdapter(
            botID: botID,
            secret: secret,
            callbackURL: try config.optionalURL("callback_url"),
            maxClockSkew: try config.duration("max_clock_skew", default: GenericAdapter.defaultMaxClockSkew),
            maxMediaBytes: try config.byteSize("max_media_bytes", default: 15 << 20, range: 1...(1 << 30))
        )
    }
}
