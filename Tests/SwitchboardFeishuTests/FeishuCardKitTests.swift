import Foundation
import Logging
import SwitchboardCore
import SwitchboardPlatformFakes
@testable import SwitchboardFeishu
import SwitchboardServer
import SwitchboardTesting
import Testing

/// `card: cardkit` (the default) against the fake Open API's CardKit, which refuses a sequence
/// that does not increase (300317) and content after streaming closed (300309).
@Suite("Feishu CardKit", .timeLimit(.minutes(5)))
struct FeishuCardKitTests {
    static func adapter(_ api: FakeFeishuOpenAPI) throws -> any ChatAdapter {
        try FeishuDeliveryTests.adapter(api: api.url, ["card": "cardkit", "update_interval": "200ms"])
    }

    /// The answer in pieces, a pause between them, so the card is seen growing.
    static func streamed(_ pieces: [String], pause: Duration = .milliseconds(260)) -> ReplyStream {
        ReplyStream(AsyncStream<ReplyChunk> { continuation in
            Task {
                for piece in pieces {
                    continuation.yield(.delta(piece))
                    try? await Task.sleep(for: pause)
                }
                continuation.yield(.end)
                continuation.finish()
            }
        })
    }

    static let pieces = ["## 结论\n\n可以上线。", "回归测试全部通过，", "性能与上一版本持平。\n\n", "如需回滚，执行 `deploy rollback`。"]

    @Test("a card entity in streaming mode, sent once, its content growing with strictly increasing sequences, then the whole answer and streaming closed")
    func typesItself() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            let receipt = try await Self.adapter(api).deliver(Self.streamed(Self.pieces), to: FeishuDeliveryTests.event(), context: FeishuDeliveryTests.context())
            let card = try #require(api.cards.first)
            #expect(api.cards.count == 1)
            #expect(card.initial["config"]?["streaming_mode"] == .bool(true))
            #expect(card.initial["body"]?["elements"]?.array?.first?["element_id"] == "stream_md")
            // Sent once, as a reply, referring to the entity.
            #expect(api.sends.count == 1)
            let content = try JSONParser.parse(Data((api.sends.first?.body["content"]?.string ?? "").utf8))
            #expect(content["type"] == "card" && content["data"]?["card_id"] == .string(card.id))
            #expect(api.sends.first?.path.hasSuffix("/reply") == true)
            #expect(receipt.messageIDs == [api.sends.first?.messageID ?? "?"])
            // Growing: more than one content update; sequences strictly increase through the close.
            #expect(card.contents.count >= 2, "\(card.contents.count) content updates")
            let sequences = card.contents.map(\.sequence) + card.settings.map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
            #expect(card.refusals.isEmpty)
            let expected = ReplyRenderer.render(markdown: Self.pieces.joined(), for: .feishuCard).first?.text
            #expect(card.content == expected)
            #expect(card.streaming == false)
            #expect(card.settings.last?.config["summary"]?["content"] == "## 结论")
            #expect(api.patches.isEmpty)
        }
    }

    @Test("a retried delivery continues the sequence on the same card: a content PUT that arrived but whose answer was lost is not sent with its number again")
    func retriedContinuesSequence() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            let adapter = try Self.adapter(api)
            let store = InMemoryStateStore()
            api.dropContentPut(2)
            await #expect(throws: (any Error).self) {
                _ = try await adapter.deliver(Self.streamed(Self.pieces), to: FeishuDeliveryTests.event(), context: FeishuDeliveryTests.context(store: store))
            }
            let before = try #require(api.cards.first)
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: Self.pieces.joined())), to: FeishuDeliveryTests.event(), context: FeishuDeliveryTests.context(store: store))
            let card = try #require(api.cards.first)
            #expect(api.cards.count == 1 && api.sends.count == 1, "one card, sent once")
            #expect(card.contents.count > before.contents.count)
            #expect(card.refusals.isEmpty, "no sequence was refused: \(card.refusals)")
            #expect(card.content == ReplyRenderer.render(markdown: Self.pieces.joined(), for: .feishuCard).first?.text)
            #expect(card.streaming == false)
        }
    }

    @Test("CardKit refused (no permission): the answer goes as a card updated in place, said once, and the next answer does not try CardKit again")
    func refusedFallsBack() async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            api.refuseCardKit()
            let adapter = try Self.adapter(api)
            let logs = LogCapture()
            var context = FeishuDeliveryTests.context()
            context.logger = logs.logger()
            _ = try await adapter.deliver(Self.streamed(Self.pieces), to: FeishuDeliveryTests.event(), context: context)
            #expect(api.sends.count == 1 && api.sends.first?.cardMarkdown != nil)
            #expect(api.patches.last?.markdown == ReplyRenderer.render(markdown: Self.pieces.joined(), for: .feishuCard).first?.text)
            #expect(logs.all.map(\.line).filter { $0.contains("Feishu refused CardKit") }.count == 1)
            #expect(logs.all.map(\.line).contains { $0.contains("cardkit:card:write") })
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "再答")), to: FeishuDeliveryTests.event(messageID: "om_2"), context: FeishuDeliveryTests.context(job: "job-2"))
            #expect(api.sends.count == 2)
            #expect(logs.all.map(\.line).filter { $0.contains("Feishu refused CardKit") }.count == 1)
        }
    }
}
