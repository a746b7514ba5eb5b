import Foundation
import SwitchboardCore
import Testing

@Suite("Event JSON", .timeLimit(.minutes(5)))
struct EventJSONTests {
    static let full = ChatEvent(
        id: "feishu-main:om_5e37",
        platform: "feishu",
        bot: "feishu-main",
        kind: .message,
        conversation: Conversation(id: "oc_abc", type: .group, title: "运维群", thread: "omt_1"),
        sender: Participant(id: "ou_zhang", name: "张三"),
        text: "今天北京天气怎么样 🌤",
        mentionsBot: true,
        mentions: [Participant(id: "ou_bot", name: "AI助手", isBot: true)],
        segments: [
            .mention(Participant(id: "ou_bot", name: "AI助手", isBot: true)),
            .text("今天北京天气怎么样 🌤"),
            .image(MediaReference(mediaID: "img_v2_1", url: "https://example.com/a.png")),
            .file(MediaReference(mediaID: "file_1", name: "报销单.pdf")),
            .audio(MediaReference(mediaID: "voice_1", transcript: "你好")),
            .video(MediaReference(mediaID: "video_1")),
            .link(url: "https://example.com", title: "Example"),
            .quote(text: "上一条", messageID: "om_prev"),
        ],
        messageID: "om_5e37",
        timestamp: Date(timeIntervalSince1970: 1_718_000_000.123),
        replyAddress: ReplyAddress(["message_id": "om_5e37"])
    )

    @Test func roundTripsEveryField() throws {
        let data = try EventJSON.encode(Self.full)
        #expect(try EventJSON.decode(ChatEvent.self, from: data) == Self.full)
    }

    @Test func usesTheDocumentedSnakeCaseKeys() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: EventJSON.encode(Self.full)) as? [String: Any])
        #expect(Set(object.keys) == [
            "id", "platform", "bot", "kind", "conversation", "sender", "text", "mentions_bot", "mentions",
            "segments", "message_id", "timestamp", "reply_address",
        ])
        let sender = try #require(object["sender"] as? [String: Any])
        #expect(Set(sender.keys) == ["id", "name", "is_bot"])
        #expect(object["timestamp"] as? Int == 1_718_000_000_123)
        let segments = try #require(object["segments"] as? [[String: Any]])
        #expect(segments.map { $0["type"] as? String } == ["mention", "text", "image", "file", "audio", "video", "link", "quote"])
        #expect(segments[2]["media_id"] as? String == "img_v2_1")
        #expect(segments[7]["message_id"] as? String == "om_prev")
    }

    @Test func fillsDefaultsForOptionalFields() throws {
        let json = #"{"id":"x","platform":"generic","conversation":{"id":"c","type":"direct"},"sender":{"id":"u"},"text":"hi","timestamp":1000}"#
        let event = try EventJSON.decode(ChatEvent.self, from: Data(json.utf8))
        #expect(event.kind == .message)
        #expect(event.bot == "")
        #expect(event.mentions.isEmpty && event.segments.isEmpty && event.replyAddress.isEmpty)
        #expect(!event.mentionsBot && !event.sender.isBot)
        #expect(event.timestamp == Date(timeIntervalSince1970: 1))
    }

    @Test func refusesAnUnknownSegmentType() {
        let json = #"{"id":"x","platform":"generic","conversation":{"id":"c","type":"direct"},"sender":{"id":"u"},"text":"hi","timestamp":1,"segments":[{"type":"hologram"}]}"#
        #expect(throws: DecodingError.self) { try EventJSON.decode(ChatEvent.self, from: Data(json.utf8)) }
    }

    @Test func decodesOneEventOrAnArray() throws {
        let one = try EventJSON.encode(Self.full)
        let many = try EventJSON.encode([Self.full, Self.full])
        #expect(try EventJSON.decodeEvents(from: one) == [Self.full])
        #expect(try EventJSON.decodeEvents(from: Data(" \n".utf8) + many).count == 2)
    }
}
