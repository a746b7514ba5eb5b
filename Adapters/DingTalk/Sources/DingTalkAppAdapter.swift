import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import SwitchboardCore

/// An enterprise app's robot (企业内部应用机器人), `mode: http` (DingTalk POSTs each message, signed)
/// or `mode: stream` (we hold a WebSocket to DingTalk's gateway; no public URL). Both decode the
/// same robot message JSON and deliver the same way (platforms.md §3a, §3b, §3d, §3e).
struct DingTalkAppAdapter: ChatAdapter, StreamFrameDecoding, NotificationSending {
    enum Mode: String {
        case http, stream
    }

    let botID: String
    var platform: String { DingTalkAdapterFactory.platformName }
    let mode: Mode
    let appKey: String
    let appSecret: String
    let robotCode: String
    let maxClockSkew: Duration
    let messageKind: DingTalkPayloads.Kind
    let mentionSender: Bool
    let api: DingTalkAPI
    let gatewayBase: String
    let token: AccessTokenCache
    /// Waits between Stream reconnects: growing from `reconnect_delay`, capped, jittered.
    let reconnect: RetryPolicy
    let environment: FactoryEnvironment
    /// `message_type: ai_card`.
    let aiCard: Bool
    let cardTemplateID: String
    let cardUpdateInterval: Duration
    /// Set once DingTalk refused the AI card: answers are Markdown messages until a restart.
    let aiCardOff = DingTalkOnce()
    /// Every card call of the app, paced together (``DingTalkAICard/appCallsPerSecond``).
    let cardCalls = TokenBucket(rate: DingTalkAICard.appCallsPerSecond, burst: DingTalkAICard.appCallsPerSecond / 2)
    let maxMediaBytes: Int
    /// The host (and port, when not the scheme's) a message's `sessionWebhook` must be on in HTTP
    /// mode (`oapi_base`).
    let oapiHost: String
    static let oapiBase = "https://oapi.dingtalk.com"

    /// `host` or `host:port` of an http(s) URL, lowercased; nil for anything else.
    static func authority(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = parsed.host?.lowercased() else { return nil }
        guard let port = parsed.port, port != (scheme == "https" ? 443 : 80) else { return host }
        return "\(host):\(port)"
    }

    var longConnection: String? { mode == .stream ? "DingTalk Stream (WebSocket)" : nil }

    var setupWarnings: [String] {
        guard mode == .http else { return [] }
        return [
            "mode: http cannot authenticate a message's body (DingTalk signs only the timestamp, and a sign stays valid for an hour): whoever sees one request can post others as anyone. Answers go only to session webhooks on \(oapiHost). Stream mode (mode: stream) is the safe choice",
        ]
    }

    init(botID: String, mode: Mode, config: ConfigSection, environment: FactoryEnvironment) throws {
        self.botID = botID
        self.mode = mode
        self.environment = environment
        appKey = try config.string("app_key")
        appSecret = try config.string("app_secret")
        robotCode = try config.string("robot_code", default: appKey)
        maxClockSkew = try config.duration("max_clock_skew", default: .seconds(3600))
        let kind = try config.string("message_type", default: DingTalkPayloads.Kind.markdown.rawValue)
        // ai_card: an AI card that types itself (platforms-2.md §3.2); markdown is its fallback.
        aiCard = kind == "ai_card"
        guard let messageKind = aiCard ? .markdown : DingTalkPayloads.Kind(rawValue: kind) else {
            throw config.error("message_type", "must be markdown, text or ai_card")
        }
        self.messageKind = messageKind
        cardTemplateID = try config.string("card_template_id", default: DingTalkAICard.publicTemplate)
        cardUpdateInterval = try config.duration("card_update_interval", default: .milliseconds(800))
        guard cardUpdateInterval >= .milliseconds(500) else {
            throw config.error("card_update_interval", "must be at least 500ms: DingTalk refuses card updates closer together (403)")
        }
        mentionSender = try config.bool("mention_sender", default: true)
        api = DingTalkAPI(base: try DingTalkAdapterFactory.base(config, key: "api_base"), botID: botID)
        gatewayBase = try DingTalkAdapterFactory.base(config, key: "gateway_base")
        oapiHost = Self.authority(try DingTalkAdapterFactory.base(config, key: "oapi_base", default: Self.oapiBase)) ?? ""
        token = DingTalkAccessToken.cache(api: api, appKey: appKey, appSecret: appSecret)
        reconnect = RetryPolicy(
            maxAttempts: .max, initialDelay: try config.duration("reconnect_delay", default: .seconds(1)),
            maxDelay: try config.duration("reconnect_max_delay", default: .seconds(60))
        )
        maxMediaBytes = try config.byteSize("max_media_bytes", default: 15 << 20, range: 1...(200 << 20))
    }

    var capabilities: AdapterCapabilities {
        // In groups DingTalk delivers only messages that @ the robot.
        AdapterCapabilities(maxMessageBytes: messageKind.target.maxBytes, markdownDialect: messageKind.target.dialect, groupsDeliverUnmentionedMessages: false)
    }

    var message: DingTalkMessage { DingTalkMessage(botID: botID) }

    // MARK: Receiving

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        guard mode == .http else {
            throw WebhookRejection.methodNotAllowed("this DingTalk bot uses Stream mode: DingTalk does not call a URL; set mode: http to receive here")
        }
        guard request.method == .post else { throw WebhookRejection.methodNotAllowed("DingTalk posts messages to this URL") }
        guard let timestamp = request.headers[HTTPField.Name("timestamp")!], let sign = request.headers[HTTPField.Name("sign")!] else {
            throw WebhookRejection.unauthorized("missing timestamp or sign header")
        }
        guard DingTalkSignature.isValid(sign, timestamp: timestamp, secret: appSecret) else {
            throw WebhookRejection.unauthorized("sign mismatch: check the bot's app_secret")
        }
        guard let milliseconds = Double(timestamp), abs(context.now.timeIntervalSince1970 - milliseconds / 1000) <= Double(maxClockSkew.components.seconds) else {
            throw WebhookRejection.unauthorized("stale timestamp: more than \(maxClockSkew.components.seconds) s from server time; check the clocks")
        }
        guard let json = try? JSONParser.parse(request.body) else { throw WebhookRejection.badRequest("the body is not DingTalk's robot message JSON") }
        var events = try message.event(from: json).map { [$0] } ?? []
        // DingTalk's sign covers the timestamp and the secret, not the body: whoever holds one
        // header pair may post any body for an hour. The answer goes to the body's
        // sessionWebhook, so only DingTalk's own host is taken (README "Security").
        if let event = events.first, let webhook = event.replyAddress["session_webhook"], Self.authority(webhook) != oapiHost {
            environment.logger.warning(
                "a DingTalk message named a sessionWebhook on \(Self.authority(webhook) ?? "no http(s) host"), not \(oapiHost); dropped (set bots.\(botID).oapi_base if DingTalk's robot API is reached through a proxy)",
                metadata: ["bot": "\(botID)", "event_id": "\(event.id)"]
            )
            events = []
        }
        return .accept(events, ack: .empty())
    }

    func decodeStreamFrame(_ frame: Data, now: Date) throws -> StreamFrameResult {
        try DingTalkStreamFrames.decode(frame, message: message)
    }

    // MARK: Delivering

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        try await DingTalkDelivery(adapter: self, event: event, context: context).run(reply)
    }

    func services(feeding sink: any EventSink) -> [any Service] {
        guard mode == .stream else { return [] }
        return [DingTalkStreamService(adapter: self, sink: sink, transport: environment.transport, logger: environment.logger)]
    }
}

extension DingTalkAppAdapter {
    /// Through the OpenAPI: `chat` is a group's `openConversationId`, `user` a staff id for a
    /// one-to-one message. (The OpenAPI's messages have no @-mentions; a notification asking for some is refused.)
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        guard mentions.isEmpty else {
            // The robot OpenAPI's messages (sampleMarkdown, sampleText) carry no `at` [S; M].
            throw NotificationError("a DingTalk app robot's OpenAPI messages cannot @-mention; leave out mention, or use a custom robot target (mode: robot)")
        }
        var address = ["robot_code": robotCode]
        let conversation: Conversation
        switch (destination.chat, destination.user) {
        case (let chat?, nil):
            conversation = Conversation(id: chat, type: .group)
        case (nil, let user?):
            conversation = Conversation(id: user, type: .direct)
            address["sender_staff_id"] = user
        default:
            throw NotificationError("a DingTalk app robot sends to a group (chat: its openConversationId) or a person (user: a staff id), one of them")
        }
        return .notification(id: id, adapter: self, conversation: conversation, text: "", mentions: mentions, now: now, replyAddress: ReplyAddress(address))
    }
}
