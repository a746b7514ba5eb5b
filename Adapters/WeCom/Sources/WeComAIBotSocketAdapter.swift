import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore

/// `mode: aibot` with `intake: websocket` — the AI bot over its long connection (platforms-2.md
/// §2): no public URL, no encryption; Switchboard opens `wss://openws.work.weixin.qq.com`,
/// subscribes with `bot_id` and `secret`, and receives message and event pushes as JSON text
/// frames. Answers go back over the same socket: a stream (`aibot_respond_msg` with the push's
/// `req_id`, the whole text each time), and — once the stream window has passed, or for a
/// notification — a proactive `aibot_send_msg`.
struct WeComAIBotSocketAdapter: ChatAdapter, StreamFrameDecoding, NotificationSending {
    static let defaultURL = "wss://openws.work.weixin.qq.com"

    let botID: String
    var platform: String { WeComAdapterFactory.platformName }
    let aibotID: String
    let secret: String
    let url: String
    let botName: String?
    let welcomeText: String?
    let heartbeat: Duration
    let updateInterval: Duration
    /// How long a replica's hold on the bot's one connection lasts without renewal.
    let leaseTTL: Duration
    let maxMediaBytes: Int
    let link = WeComAIBotLink()
    let environment: FactoryEnvironment

    init(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws {
        self.botID = botID
        self.environment = environment
        aibotID = try config.string("bot_id")
        secret = try config.string("secret")
        let url = try config.string("ws_url", default: Self.defaultURL)
        guard let parsed = URL(string: url), parsed.scheme == "wss" || parsed.scheme == "ws", parsed.host != nil else {
            throw config.error("ws_url", "must be a ws(s):// URL such as \(Self.defaultURL)")
        }
        self.url = url
        botName = try config.optionalString("bot_name")
        welcomeText = try config.optionalString("welcome_text")
        heartbeat = try config.duration("heartbeat_interval", default: .seconds(30))
        updateInterval = try config.duration("update_interval", default: .seconds(1))
        guard updateInterval >= .milliseconds(300) else {
            throw config.error("update_interval", "must be at least 300ms (each stream update waits for WeCom's ack)")
        }
        leaseTTL = try config.duration("lease_ttl", default: .seconds(30))
        guard leaseTTL >= .seconds(1) else { throw config.error("lease_ttl", "must be at least 1s") }
        maxMediaBytes = try WeComAIBotAdapter.maxMediaBytes(config)
    }

    var longConnection: String? { "WeCom AI bot long connection (WebSocket)" }

    var capabilities: AdapterCapabilities {
        AdapterCapabilities(
            maxMessageBytes: RenderTarget.wecomStream.maxBytes, markdownDialect: RenderTarget.wecomStream.dialect, streaming: .editInPlace,
            groupsDeliverUnmentionedMessages: false
        )
    }

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        throw WebhookRejection.forbidden("bot \(botID) receives over the AI bot's long connection (intake: websocket); WeCom does not call a URL for it")
    }

    func services(feeding sink: any EventSink) -> [any Service] {
        [WeComAIBotConnection(adapter: self, sink: sink, logger: environment.logger)]
    }

    // MARK: Frames

    /// A push ▸ its events, and for `enter_chat` the welcome reply. Acks and pings carry no `cmd`
    /// and decode to nothing (the connection routes them); `disconnected_event` too (the
    /// connection stops on it).
    func decodeStreamFrame(_ frame: Data, now: Date) throws -> StreamFrameResult {
        let json: JSONValue
        do {
            json = try JSONParser.parse(frame)
        } catch {
            throw WebhookRejection.badRequest("not a WeCom AI bot frame (JSON)")
        }
        let reqID = json["headers"]?["req_id"]?.string ?? ""
        let body = json["body"] ?? .null
        let message = WeComAIBotMessage(json: body)
        let timestamp = message.createTime.map { Date(timeIntervalSince1970: Double($0)) } ?? now
        switch json["cmd"]?.string {
        case "aibot_msg_callback":
            let streamID = WeComStreamID(createTime: message.createTime, msgid: message.msgid ?? "")
            guard var event = try message.chatEvent(botID: botID, botName: botName, streamID: streamID.text, timestamp: timestamp) else {
                return StreamFrameResult()
            }
            var address = event.replyAddress.fields
            address["req_id"] = reqID
            event.replyAddress = ReplyAddress(address)
            return StreamFrameResult(events: [event])
        case "aibot_event_callback":
            guard let event = message.chatEvent(ofEventBot: botID, platform: platform, timestamp: timestamp, address: ["req_id": reqID]) else {
                return StreamFrameResult()
            }
            var reply: Data?
            if event.kind == .enterChat, let welcomeText {
                reply = JSONWriter.data(WeComAIBotLink.frame("aibot_respond_welcome_msg", reqID: reqID, body: ["msgtype": "text", "text": ["content": .string(welcomeText)]]))
            }
            return StreamFrameResult(events: [event], reply: reply)
        default:
            return StreamFrameResult()
        }
    }

    /// Whether a frame says another client took the bot over.
    static func isTakeover(_ json: JSONValue) -> Bool {
        json["cmd"] == "aibot_event_callback" && json["body"]?["event"]?["eventtype"] == "disconnected_event"
    }

    // MARK: Delivering

    /// Only the replica holding the bot's connection can answer over it.
    func canDeliver(_ event: ChatEvent) async -> Bool {
        await link.canDeliver
    }

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        try await WeComAIBotSocketDelivery(adapter: self, event: event, context: context).run(reply)
    }

    /// A notification is a proactive `aibot_send_msg` to a user (single chat) or a group chat.
    func notificationEvent(id: String, destination: NotificationDestination, mentions: [String], now: Date) throws(NotificationError) -> ChatEvent {
        guard let chat = destination.chat ?? destination.user, !chat.isEmpty else {
            throw NotificationError("a WeCom AI bot target needs chat: (a group chatid) or user: (a userid who has talked to the bot)")
        }
        if !mentions.isEmpty { throw NotificationError("a WeCom AI bot's proactive messages cannot @-mention; leave out mention") }
        let conversation = Conversation(id: chat, type: destination.chat != nil ? .group : .direct)
        return .notification(id: id, adapter: self, conversation: conversation, text: "", mentions: [], now: now)
    }
}
