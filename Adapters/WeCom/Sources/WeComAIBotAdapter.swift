import Foundation
import SwitchboardCore

/// `mode: aibot` — the 智能机器人 (AI bot): encrypted JSON callbacks from single chats and group
/// @-mentions, answered as a stream that WeCom polls for (platforms.md §1c). The callback is
/// acknowledged with the stream's first frame; the delivering job writes the answer to the store
/// as it grows, and each poll is answered from there; an answer that outlives the stream window
/// goes through the message's one-use `response_url`.
struct WeComAIBotAdapter: ChatAdapter {
    let botID: String
    var platform: String { WeComAdapterFactory.platformName }
    let callback: WeComCallback
    /// Stripped from the start of group messages (`@AI助手 …`); without it, the first `@word`.
    let botName: String?
    /// The first frame's text while the answer is being prepared.
    let thinkingText: String
    /// Sent when a user opens the chat (`enter_chat`), if set.
    let welcomeText: String?
    let maxMediaBytes: Int

    init(botID: String, config: ConfigSection) throws {
        self.botID = botID
        callback = try WeComAdapterFactory.callback(config, receiveID: "")
        botName = try config.optionalString("bot_name")
        thinkingText = try config.string("thinking_text", default: "正在思考…")
        welcomeText = try config.optionalString("welcome_text")
        maxMediaBytes = try WeComAIBotAdapter.maxMediaBytes(config)
    }

    /// `max_media_bytes`: 15 MB by default; WeCom delivers AI-bot files up to 100 MB.
    static func maxMediaBytes(_ config: ConfigSection) throws -> Int {
        try config.byteSize("max_media_bytes", default: 15 << 20, range: 1...(100 << 20))
    }

    var capabilities: AdapterCapabilities {
        AdapterCapabilities(
            maxMessageBytes: RenderTarget.wecomStream.maxBytes, markdownDialect: RenderTarget.wecomStream.dialect, streaming: .frames,
            groupsDeliverUnmentionedMessages: false
        )
    }

    // MARK: Receiving

    func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
        switch request.method {
        case .get:
            return .respond(try callback.verifyURL(request, now: context.now))
        case .post:
            let query = try callback.query(request)
            // The body is `{"encrypt": …}` (the SDK also reads `Encrypt`).
            guard let envelope = try? JSONParser.parse(request.body), let encrypt = (envelope["encrypt"] ?? envelope["Encrypt"])?.string else {
                throw WebhookRejection.unauthorized("no signed encrypt field in the body")
            }
            let plain = try callback.open(encrypt, query: query, now: context.now)
            let message: WeComAIBotMessage
            do {
                message = WeComAIBotMessage(json: try JSONParser.parse(plain))
            } catch {
                throw WebhookRejection.badRequest("the decrypted message is not an AI-bot JSON message")
            }
            return try await inbound(message, query: query, context: context)
        default:
            throw WebhookRejection.methodNotAllowed("WeCom calls this URL with GET (verification) and POST (messages)")
        }
    }

    private func inbound(_ message: WeComAIBotMessage, query: WeComCallback.Query, context: WebhookContext) async throws -> Inbound {
        switch message.msgtype {
        case "stream":
            let frame = try await pollAnswer(streamID: message.stream?.id ?? "", context: context)
            return .respond(try sealed(frame.json, query: query))
        case "event":
            guard let event = message.chatEvent(ofEventBot: botID, platform: platform, timestamp: timestamp(of: message, context: context), address: [:]) else {
                return .accept([], ack: try sealed(Self.emptyReply, query: query))
            }
            let ack: WebhookResponse
            if event.kind == .enterChat, let welcomeText {
                ack = try sealed(WeComPayloads.SimpleMessage.text(welcomeText).json, query: query)
            } else {
                ack = try sealed(Self.emptyReply, query: query)
            }
            return .accept([event], ack: ack)
        default:
            // The stream id comes from the message alone, so a redelivery is acked with the same
            // stream even when WeCom sends no create_time.
            let streamID = WeComStreamID(createTime: message.createTime, msgid: message.msgid ?? "")
            guard
                let event = try message.chatEvent(
                    botID: botID, botName: botName, streamID: streamID.text, timestamp: timestamp(of: message, context: context)
                )
            else {
                return .accept([], ack: try sealed(Self.emptyReply, query: query))
            }
            guard context.willAnswer(event) else {
                // No route answers it: acked with nothing to show, not with a thinking frame that
                // WeCom would poll for minutes.
                return .accept([event], ack: try sealed(Self.emptyReply, query: query))
            }
            // The first frame of the answer's stream; a redelivery gets the same one.
            let frame = WeComPayloads.StreamFrame(id: streamID.text, finish: false, content: thinkingText)
            return .accept([event], ack: try sealed(frame.json, query: query))
        }
    }

    /// `create_time` when WeCom sends it (the §6.1 vector has none), else the time of receipt.
    private func timestamp(of message: WeComAIBotMessage, context: WebhookContext) -> Date {
        message.createTime.map { Date(timeIntervalSince1970: Double($0)) } ?? context.now
    }

    /// The current frame of a stream: what the delivering job has written; the thinking text while
    /// the answer may still come; an empty finished frame for a stream this bot does not know, so
    /// that WeCom stops polling.
    func pollAnswer(streamID: String, context: WebhookContext) async throws -> WeComPayloads.StreamFrame {
        guard let id = WeComStreamID(streamID) else {
            return WeComPayloads.StreamFrame(id: streamID, finish: true, content: "")
        }
        if let reader = context.replyState, let data = try await reader.replyState(job: "\(botID):\(id.msgid)", key: WeComStreamState.key),
            let state = try? JSONDecoder().decode(WeComStreamState.self, from: data)
        {
            return WeComPayloads.StreamFrame(id: streamID, finish: state.finish, content: state.content, images: state.images ?? [])
        }
        return id.isOpen(at: context.now)
            ? WeComPayloads.StreamFrame(id: streamID, finish: false, content: thinkingText)
            : WeComPayloads.StreamFrame(id: streamID, finish: true, content: "")
    }

    /// Encrypted and signed with the request's timestamp and nonce, as `WXBizJsonMsgCrypt` does.
    /// Written with core's `JSONWriter` (the same bytes as `JSONEncoder` with sorted keys), since
    /// every AI-bot ack is built on the hot path.
    private func sealed(_ value: JSONValue, query: WeComCallback.Query) throws -> WebhookResponse {
        let (encrypt, signature) = try callback.seal(JSONWriter.data(value), query: query)
        let envelope: JSONValue = [
            "encrypt": .string(encrypt), "msgsignature": .string(signature), "timestamp": .string(query.timestamp), "nonce": .string(query.nonce),
        ]
        // The official reference answers with text/plain.
        return WebhookResponse(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: JSONWriter.data(envelope))
    }

    /// Even "nothing to say" is an encrypted `{}` [S plugin].
    static let emptyReply = JSONValue.object([:])

    // MARK: Delivering

    func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
        try await WeComAIBotDelivery(adapter: self, event: event, context: context).run(reply)
    }
}
