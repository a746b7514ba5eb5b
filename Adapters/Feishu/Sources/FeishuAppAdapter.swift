import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore

/// `mode: app` (the default) — a Feishu/Lark self-built app: events over HTTP in (`intake:
/// webhook`, the default) or over the long connection the app opens itself (`intake: websocket`,
/// platforms-2.md §1), the reply and create message APIs out, the answer streamed into a card
/// updated in place (platforms.md §2).
struct FeishuAppAdapter: ChatAdapter, NotificationSending {
    enum Intake: String {
        case webhook, websocket
    }

    let botID: String
    var platform: String { FeishuAdapterFactory.platformName }
    let intake: Intake
    /// Nil for a long-connection bot configured without the webhook's verification token.
    let callback: FeishuCallback?
    let appID: String
    let appSecret: String
    let identity: FeishuBotIdentity
    let configuredOpenID: Bool
    let api: FeishuAPI
    let token: AccessTokenCache
    let messageKind: FeishuMessageKind
    let replyInThread: Bool
    let updateInterval: Duration
    let placeholder: String
    let readsAllGroupMessages: Bool
    let environment: FactoryEnvironment
    /// Chats where the bot was found not to be a member, warned about once each.
    let warnedChats = FeishuOnce()
    /// `card: cardkit` (default) or `patch`.
    let cardKit: Bool
    /// Set once Feishu refused CardKit: answers then go as PATCHed cards.
    let cardKitOff = FeishuOnce()
    /// The most bytes one picture or file may have to be passed on (`max_media_bytes`).
    let maxMediaBytes: Int

    init(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws {
        self.botID = botID
        self.environment = environment
        appID = try config.string("app_id")
        appSecret = try config.string("app_secret")
        guard let intake = Intake(rawValue: try config.string("intake", default: Intake.webhook.rawValue)) else {
            throw config.error("intake", "must be webhook (Feishu posts events to this server) or websocket (the app opens a long connection)")
        }
        self.intake = intake
        let encryptKey = try config.optionalString("encrypt_key").flatMap { $0.isEmpty ? nil : $0 }
        // Over the long connection events come in plaintext, unsigned: the webhook's token and key
        // are needed only when the webhook is used.
        let verificationToken = intake == .webhook ? try config.string("verification_token") : try config.optionalString("verification_token")
        let maxClockSkew = try config.duration("max_clock_skew", default: .seconds(3600))
        callback = verificationToken.map {
            FeishuCallback(verificationToken: $0, crypto: encryptKey.map(FeishuCrypto.init(encryptKey:)), maxClockSkew: maxClockSkew)
        }
        let openID = try config.optionalString("bot_open_id")
        if let openID, !openID.hasPrefix("ou_") { throw config.error("bot_open_id", "must be the bot's open_id (ou_…)") }
        identity = FeishuBotIdentity(openID: openID)
        configuredOpenID = openID != nil
        api = FeishuAPI(host: try FeishuAdapterFactory.host(config), botID: botID)
        token = FeishuTenantToken.cache(api: api, appID: appID, appSecret: appSecret)
        let kind = try config.string("message_type", default: FeishuMessageKind.card.rawValue)
        guard let messageKind = FeishuMessageKind(rawValue: kind) else { throw config.error("message_type", "must be card, post or text") }
        self.messageKind = messageKind
        replyInThread = try config.bool("reply_in_thread", default: false)
        updateInterval = try config.duration("update_interval", default: .milliseconds(500))
        guard updateInterval >= .milliseconds(200) else {
            throw config.error("update_interval", "must be at least 200ms (Feishu allows 5 updates per second per message)")
        }
        placeholder = try config.string("placeholder", default: "思考中…")
        switch try config.string("card", default: "cardkit") {
        case "cardkit": cardKit = true
        case "patch": cardKit = false
        default: throw config.error("card", "must be cardkit (a card that types itself) or patch (a card updated in place)")
        }
        readsAllGroupMessages = try config.bool("reads_all_group_messages", default: false)
        // Feishu serves resources up to 100 MB (platforms-2.md §4.3).
        maxMediaBytes = try config.byteSize("max_media_bytes", default: 15 << 20, range: 1...(100 << 20))
    }

    var longConnection: String? {
        guard intake == .websocket else { return nil }
        return "Feishu long connection (WebSocket)" + (callback == nil ? "" : "; webhooks accepted too")
    }

    var capabilities: AdapterCapabilities {
        AdapterCapabilities(
            maxMessageBytes: messageKind.target.maxBytes, markdownDialect: messageKind.target.dialect,
            groupsDeliverUnmentionedMessages: readsAllGroupMessages
        )
    }

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        guard let callback else {
            throw WebhookRejection.forbidden("bot \(botID) receives events over the long connection (intake: websocket); set verification_token to accept webhooks too")
        }
        switch try callback.open(request, now: context.now) {
        case .challenge(let challenge):
            return .respond(try .json(["challenge": challenge]))
        case .payload(let payload):
            let events = try FeishuEventDecoder(botID: botID, botOpenID: identity.current).events(payload)
            return .accept(events, ack: .json(raw: #"{"msg":"success"}"#))
        }
    }

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        try await FeishuDelivery(adapter: self, event: event, context: context).run(reply)
    }

    func services(feeding sink: any EventSink) -> [any Service] {
        var services: [any Service] = []
        if !configuredOpenID {
            services.append(FeishuBotInfoService(api: api, token: token, identity: identity, transport: environment.transport, logger: environment.logger))
        }
        if intake == .websocket {
            services.append(FeishuLongConnection(adapter: self, sink: sink, transport: environment.transport, logger: environment.logger))
        }
        return services
    }

    var usesCardKit: Bool { cardKit && !cardKitOff.isSet("refused") }

    /// CardKit was refused: said once, then answers are PATCHed cards until a restart or reload.
    func cardKitRefused(_ error: FeishuAPIError, logger: Logger) {
        guard cardKitOff.first("refused") else { return }
        logger.warning(
            "Feishu refused CardKit; answers are cards updated in place instead: grant the app cardkit:card:write (创建与更新卡片) and publish a version, or set card: patch",
            metadata: ["bot": "\(botID)", "error": "\(error)"]
        )
    }

    /// Logs that the bot is not in `chat`, once per chat.
    func warnNotInChat(_ chat: String, logger: Logger) {
        guard warnedChats.first(chat) else { return }
        logger.warning("the Feishu bot is not in this chat; its replies there are dropped until it is added", metadata: ["bot": "\(botID)", "chat": "\(chat)"])
    }
}

extension FeishuAppAdapter {
    /// An app bot posts into a chat it is in: `chat` is the `chat_id` (oc_…).
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        guard let chat = destination.chat, chat.hasPrefix("oc_") else {
            throw NotificationError("a Feishu app bot sends to a chat: set chat to its chat_id (oc_…)")
        }
        if let refusal = FeishuPayloads.refusal(mentions: mentions) { throw refusal }
        return .notification(
            id: id, adapter: self, conversation: Conversation(id: chat, type: .group), text: "", mentions: mentions, now: now,
            replyAddress: ReplyAddress(["chat_id": chat])
        )
    }
}
