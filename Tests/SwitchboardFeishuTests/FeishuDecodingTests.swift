import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardFeishu

@Suite("Feishu decoding", .timeLimit(.minutes(5)))
struct FeishuDecodingTests {
    static let bot = "ou_bot0000000000000000000000000000"

    func content(_ mentions: [String: Participant]) -> FeishuContent {
        FeishuContent { mentions[$0] }
    }

    @Test func placeholdersAreMentionsAndAddressesAreText() {
        let zhang = Participant(id: "ou_z", name: "张三")
        let eleventh = Participant(id: "ou_11", name: "十一")
        let segments = content(["@_user_1": zhang, "@_user_11": eleventh]).text("@_user_11 和 @_user_1，发到 a@b.com 或 @_user_9")
        #expect(segments == [
            .mention(eleventh), .text(" 和 "), .mention(zhang), .text("，发到 a@b.com 或 @_user_9"),
        ])
        #expect(FeishuEventDecoder.text(of: segments) == "@十一 和 @张三，发到 a@b.com 或 @_user_9")
    }

    @Test func thePostLocaleWrapperIsAcceptedToo() {
        let wrapped: JSONValue = .object(["zh_cn": .object(["title": "T", "content": .array([.array([.object(["tag": "text", "text": "正文"])])])])])
        #expect(content([:]).post(wrapped) == [.text("T\n正文")])
    }

    @Test func unknownContentKindsAreIgnoredAndMediaBecomeSegments() {
        let reader = content([:])
        #expect(reader.segments(type: "share_user", content: "{}") == nil)
        #expect(reader.segments(type: "file", content: #"{"file_key":"file_v2_1","file_name":"报告.pdf"}"#) == [.file(MediaReference(mediaID: "file_v2_1", name: "报告.pdf"))])
        #expect(reader.segments(type: "audio", content: #"{"file_key":"file_v2_2","duration":3000}"#) == [.audio(MediaReference(mediaID: "file_v2_2"))])
        #expect(reader.segments(type: "sticker", content: #"{"file_key":"sticker_1"}"#) == [.image(MediaReference(mediaID: "sticker_1", name: "sticker"))])
    }

    /// Until the bot knows its own open_id, a group message with mentions is refused with 503 so
    /// that Feishu redelivers it; direct messages need no identity.
    @Test func mentionsWaitForTheBotsIdentity() throws {
        func payload(chatType: String) throws -> FeishuPayload {
            let json = """
                {"schema":"2.0","header":{"event_id":"e1","event_type":"im.message.receive_v1","create_time":"1718000000000","token":"t"},
                 "event":{"sender":{"sender_id":{"open_id":"ou_u"},"sender_type":"user"},
                  "message":{"message_id":"om_1","chat_id":"oc_1","chat_type":"\(chatType)","message_type":"text",
                   "content":"{\\"text\\":\\"@_user_1 hi\\"}","mentions":[{"key":"@_user_1","id":{"open_id":"\(Self.bot)"},"name":"AI助手"}]}}}
                """
            return try FeishuPayload.parse(Data(json.utf8))
        }
        let unknown = FeishuEventDecoder(botID: "f", botOpenID: nil)
        let rejection = #expect(throws: WebhookRejection.self) { try unknown.events(try payload(chatType: "group")) }
        #expect(rejection?.status == .serviceUnavailable)
        #expect(try unknown.events(try payload(chatType: "p2p")).first?.mentionsBot == false)
        let known = try FeishuEventDecoder(botID: "f", botOpenID: Self.bot).events(try payload(chatType: "group"))
        let event = try #require(known.first)
        #expect(known.count == 1)
        #expect(event.id == "f:om_1" && event.messageID == "om_1")
        #expect(event.conversation == Conversation(id: "oc_1", type: .group))
        #expect(event.sender == Participant(id: "ou_u"))
        #expect(event.mentionsBot && event.text == "hi")
        #expect(event.mentions == [Participant(id: Self.bot, name: "AI助手", isBot: true)])
        // A display name equal to the bot's is not the bot.
        let other = try FeishuEventDecoder(botID: "f", botOpenID: "ou_someone_else").events(try payload(chatType: "group"))
        #expect(other.first?.mentionsBot == false)
    }

    @Test func configErrorsNameTheKey() throws {
        let factory = FeishuAdapterFactory()
        func make(_ entries: [String: String]) throws -> any ChatAdapter {
            let node = ConfigNode(.map(entries.sorted { $0.key < $1.key }.map { ($0.key, ConfigNode(.scalar($0.value))) }), path: "bots.f")
            return try factory.makeAdapter(botID: "f", config: try ConfigSection(node), environment: FactoryEnvironment(transport: NoTransportForTests(), logger: .init(label: "t")))
        }
        let base = ["platform": "feishu", "app_id": "cli_x", "app_secret": "s3cr3t-value", "verification_token": "tok"]
        #expect(try make(base).platform == "feishu")
        #expect(throws: ConfigError.self) { try make(base.merging(["bot_open_id": "AI助手"]) { $1 }) }
        #expect(throws: ConfigError.self) { try make(base.merging(["host": "ftp://x"]) { $1 }) }
        #expect(throws: ConfigError.self) { try make(base.merging(["message_type": "html"]) { $1 }) }
        do {
            _ = try make(base.merging(["update_interval": "50ms"]) { $1 })
        } catch {
            #expect("\(error)".contains("bots.f.update_interval"))
            #expect(!"\(error)".contains("s3cr3t-value"))
        }
    }
}

struct NoTransportForTests: HTTPTransport {
    func execute(_ request: OutboundRequest) async throws -> OutboundResponse {
        throw CancellationError()
    }
}

/// A replied-to message read back from `GET /open-apis/im/v1/messages/{id}`, as plain text.
@Suite("Feishu quoted messages", .timeLimit(.minutes(5)))
struct FeishuQuotedMessageTests {
    static func message(_ type: String, _ content: JSONValue, mentions: [JSONValue] = []) -> JSONValue {
        ["msg_type": .string(type), "body": ["content": .string(String(decoding: JSONWriter.data(content), as: UTF8.self))], "mentions": .array(mentions)]
    }

    @Test func textPostAndCardsBecomePlainText() {
        let text = Self.message("text", ["text": "@_user_1 下周二上线"], mentions: [["key": "@_user_1", "name": "张三"]])
        #expect(FeishuAppAdapter.text(ofMessage: text) == "@张三 下周二上线")
        let post = Self.message("post", ["title": "周报", "content": [[["tag": "text", "text": "进展顺利"]]]])
        #expect(FeishuAppAdapter.text(ofMessage: post) == "周报\n进展顺利")
        // The bot's own answer: a card, its elements' text in order.
        let card = Self.message("interactive", [
            "header": ["title": ["tag": "plain_text", "content": "答复"]],
            "elements": [["tag": "markdown", "content": "第一段"], ["tag": "markdown", "content": "第二段"]],
        ])
        #expect(FeishuAppAdapter.text(ofMessage: card) == "第一段\n第二段\n答复")
        #expect(FeishuAppAdapter.text(ofMessage: Self.message("image", ["image_key": "img_v2_1"])) == nil)
    }
}
