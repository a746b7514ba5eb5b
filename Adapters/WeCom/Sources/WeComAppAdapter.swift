import Foundation
import SwitchboardCore

/// `mode: app` — a self-built app (自建应用): encrypted XML callbacks in, `message/send` out
/// (platforms.md §1a, §1d). The callback is acknowledged with an empty 200 at once; the answer
/// follows as one or more messages to the sender.
struct WeComAppAdapter: ChatAdapter, NotificationSending {
    enum MessageType: String, CaseIterable {
        case markdown, text
    }

    let botID: String
    var platform: String { WeComAdapterFactory.platformName }
    let callback: WeComCallback
    let corpID: String
    let agentID: Int
    let messageType: MessageType
    let api: WeComAPI
    let token: AccessTokenCache
    let maxMediaBytes: Int

    init(botID: String, config: ConfigSection) throws {
        self.botID = botID
        corpID = try config.string("corp_id")
        agentID = try config.int("agent_id", default: -1, range: 0...Int(Int32.max))
        guard agentID >= 0 else { throw config.error("agent_id", "is required (the app's AgentId in the WeCom console)") }
        let secret = try config.string("secret")
        callback = try WeComAdapterFactory.callback(config, receiveID: corpID)
        let type = try config.string("message_type", default: MessageType.markdown.rawValue)
        guard let messageType = MessageType(rawValue: type) else { throw config.error("message_type", "must be markdown or text") }
        self.messageType = messageType
        api = WeComAPI(base: try WeComAdapterFactory.apiBase(config), botID: botID)
        token = WeComAccessToken.cache(api: api, corpID: corpID, secret: secret)
        maxMediaBytes = try config.byteSize("max_media_bytes", default: 15 << 20, range: 1...(200 << 20))
    }

    var target: RenderTarget { messageType == .markdown ? .wecomMarkdown : .wecomText }

    var capabilities: AdapterCapabilities {
        // A self-built app only receives one-to-one chats.
        AdapterCapabilities(maxMessageBytes: target.maxBytes, markdownDialect: target.dialect, groupsDeliverUnmentionedMessages: false)
    }

    // MARK: Receiving

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        switch request.method {
        case .get:
            return .respond(try callback.verifyURL(request, now: context.now))
        case .post:
            let query = try callback.query(request)
            let envelope: WeComXML
            do {
                envelope = try WeComXML(request.body)
            } catch .tooLarge {
                throw WebhookRejection.payloadTooLarge("body larger than \(WeComXML.maxBytes) bytes")
            } catch .declaration {
                throw WebhookRejection.badRequest("XML with a document type or entity declaration is refused")
            } catch {
                // An envelope that does not parse has no signed part to check: unauthenticated.
                throw WebhookRejection.unauthorized("no signed Encrypt element in the body")
            }
            guard let encrypt = envelope["Encrypt"] else { throw WebhookRejection.unauthorized("no signed Encrypt element in the body") }
            let plain = try callback.open(encrypt, query: query, now: context.now)
            let message: WeComXML
            do {
                message = try WeComXML(plain)
            } catch {
                throw WebhookRejection.badRequest("the decrypted message is not WeCom XML: \(error)")
            }
            let events = try WeComAppMessage.event(from: message, botID: botID, now: context.now).map { [$0] } ?? []
            return .accept(events, ack: .empty())
        default:
            throw WebhookRejection.methodNotAllowed("WeCom calls this URL with GET (verification) and POST (messages)")
        }
    }

    // MARK: Delivering

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        let answer = try await reply.collect()
        // The answer's files go as file messages after the text, not as links under it.
        var text = answer
        text.files = []
        let parts = ReplyRenderer.render(text, for: target).map(\.text).filter { !$0.isEmpty }
        // A retry resumes after the parts already sent. A part an earlier attempt may have
        // delivered goes with WeCom's duplicate check, which drops the same content sent to the
        // same user again within the interval (platforms.md §1a.6, doc 90236) — so a crash
        // between WeCom taking a part and its being recorded does not show it twice.
        var ids: [String] = []
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send(parts) { part, _, uncertain in
            let body = try WeComPayloads.appMessage(
                touser: event.sender.id, agentID: agentID, type: messageType, content: part, duplicateCheck: uncertain ? Self.duplicateCheckInterval : nil
            )
            let result = try await token.withToken(transport: context.transport, isRejection: WeComAccessToken.isRejection) { [api, transport = context.transport] token in
                try await api.post("/cgi-bin/message/send", query: [("access_token", token)], body: body, transport: transport)
            }
            if let id = result["msgid"]?.string { ids.append(id) }
            if let invalid = result["invaliduser"]?.string, !invalid.isEmpty {
                context.logger.warning("WeCom did not deliver to some users: they are outside the app's visible range", metadata: ["bot": "\(botID)"])
            }
        }
        ids += try await WeComAppAttachments(adapter: self, event: event, context: context).send(answer)
        return DeliveryReceipt(messageIDs: ids)
    }

    static let sentKey = "wecom.sent_parts"
    /// How long WeCom looks back for the same content when checking a repeat (1800 s is its
    /// default; at most 4 h).
    static let duplicateCheckInterval = 4 * 3600
}

extension WeComAppAdapter {
    /// An app sends to users of its visible range: `user` is one user id or several joined by `|`
    /// (`message/send`'s `touser`).
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        guard let user = destination.user, !user.isEmpty else {
            throw NotificationError("a WeCom app sends to users: set user (user ids joined by |)")
        }
        guard mentions.isEmpty else {
            // message/send delivers to each user in `touser` directly; there is nobody to @.
            throw NotificationError("a WeCom app sends to the users of its target directly and cannot @-mention; leave out mention, or use a group robot target")
        }
        return .notification(id: id, adapter: self, conversation: Conversation(id: user, type: .direct), sender: user, text: "", mentions: mentions, now: now)
    }
}
