import Foundation
import Logging
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardTesting
import Synchronization
import Testing

@testable import SwitchboardWeCom

/// Card clicks and ratings over the AI bot's socket, against a fake that refuses what WeCom
/// refuses: a stream reply to an event (846605) and a card update after 5 s.
@Suite("WeCom AI bot: card clicks and feedback over the socket", .timeLimit(.minutes(2)))
struct WeComAIBotCardEventTests {
    /// The events the connection hands over, kept.
    final class CollectingSink: EventSink {
        let events = Mutex<[ChatEvent]>([])

        func accept(_ events: [ChatEvent]) async throws -> AcceptResult {
            self.events.withLock { $0 += events }
            return AcceptResult(accepted: events.map(\.id))
        }
    }

    static func event(reqID: String, msgid: String, event: JSONValue) -> JSONValue {
        [
            "cmd": "aibot_event_callback", "headers": ["req_id": .string(reqID)],
            "body": [
                "msgid": .string(msgid), "create_time": .number(Date().timeIntervalSince1970.rounded(.down)), "aibotid": .string(FakeWeComAIBotSocket.botID),
                "chatid": "wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w", "chattype": "group", "from": ["userid": "zhangsan"], "msgtype": "event", "event": event,
            ],
        ]
    }

    /// The adapter's own connection to the fake, feeding `sink`, while `body` runs.
    static func connected(_ fake: FakeWeComAIBotSocket, _ body: (WeComAIBotSocketAdapter, CollectingSink) async throws -> Void) async throws {
        let config: [String: JSONValue] = [
            "platform": "wecom", "mode": "aibot", "intake": "websocket", "bot_id": .string(FakeWeComAIBotSocket.botID),
            "secret": .string(FakeWeComAIBotSocket.secret), "ws_url": .string(fake.url),
        ]
        let adapter = try #require(try WeComTest.adapter(config, bot: "aibot") as? WeComAIBotSocketAdapter)
        let sink = CollectingSink()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await WeComAIBotConnection(adapter: adapter, sink: sink, logger: Logger(label: "wecom-test")).run() }
            try await fake.waitFor("the subscription") { fake.isSubscribed }
            try await body(adapter, sink)
            group.cancelAll()
        }
    }

    @Test("a click on a template card (the documented nested shape and the SDK's flat one) is a card_action event with its key, selections and task id; its answer updates that card with aibot_respond_update_msg and the click's req_id, never a stream reply")
    func clickUpdatesTheCard() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await Self.connected(fake) { adapter, sink in
                let nested: JSONValue = [
                    "eventtype": "template_card_event",
                    "template_card_event": [
                        "card_type": "vote_interaction", "event_key": "submit", "task_id": "task-approve-1",
                        "selected_items": ["selected_item": [["question_key": "choice", "option_ids": ["option_id": ["a", "c"]]]]],
                    ],
                ]
                try await fake.push(Self.event(reqID: "REQ-CARD", msgid: "card-ev-1", event: nested))
                try await fake.waitFor("the click's event") { sink.events.withLock { $0.count } == 1 }
                let click = try #require(sink.events.withLock { $0.first })
                #expect(click.kind == .cardAction && click.text == "submit")
                #expect(click.action == ChatAction(value: "submit", inputs: ["choice": "a,c"], target: "task-approve-1"))

                _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "已提交")), to: click, context: WeComTest.context())
                try await fake.waitFor("the card's update") { !fake.commands("aibot_respond_update_msg").isEmpty }
                let update = try #require(fake.commands("aibot_respond_update_msg").first)
                #expect(update.reqID == "REQ-CARD")
                #expect(update.body["response_type"] == "update_template_card" && update.body["userids"] == ["zhangsan"])
                #expect(update.body["template_card"]?["task_id"] == "task-approve-1" && update.body["template_card"]?["main_title"]?["title"] == "已提交")
                #expect(fake.commands("aibot_respond_msg").isEmpty && fake.commands("aibot_send_msg").isEmpty)

                let flat: JSONValue = ["eventtype": "template_card_event", "event_key": "approve", "task_id": "task-approve-2"]
                try await fake.push(Self.event(reqID: "REQ-CARD-2", msgid: "card-ev-2", event: flat))
                try await fake.waitFor("the second click") { sink.events.withLock { $0.count } == 2 }
                #expect(sink.events.withLock { $0.last?.action } == ChatAction(value: "approve", target: "task-approve-2"))
                #expect(fake.violations.isEmpty, "\(fake.violations)")
            }
        }
    }

    @Test("an answer too long for the card: the card shows its start, the whole answer follows as a message")
    func longAnswerFollowsAsAMessage() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await Self.connected(fake) { adapter, sink in
                try await fake.push(Self.event(reqID: "REQ-LONG", msgid: "card-ev-3", event: ["eventtype": "template_card_event", "event_key": "details", "task_id": "task-3"]))
                try await fake.waitFor("the click's event") { sink.events.withLock { $0.count } == 1 }
                let click = try #require(sink.events.withLock { $0.first })
                let answer = "处理结果\n" + String(repeating: "这一段说明很长，卡片放不下。", count: 20)
                _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: answer)), to: click, context: WeComTest.context())
                try await fake.waitFor("the message") { !fake.commands("aibot_send_msg").isEmpty }
                #expect(fake.commands("aibot_respond_update_msg").first?.body["template_card"]?["main_title"]?["title"] == "处理结果")
                #expect(fake.commands("aibot_send_msg").first?.body["markdown"]?["content"]?.string?.hasSuffix("卡片放不下。") == true)
            }
        }
    }

    @Test("feedback_event (like, dislike, taken back) is a feedback event with the answer's feedback id; an event without an id is dropped")
    func feedbackIsAnEvent() async throws {
        try await FakeWeComAIBotSocket.withRunning { fake in
            try await Self.connected(fake) { _, sink in
                for (index, type) in [1, 2, 3].enumerated() {
                    let rating: JSONValue = ["eventtype": "feedback_event", "feedback_event": ["id": "fb-answer-9", "type": .number(Double(type)), "content": "说得对"]]
                    try await fake.push(Self.event(reqID: "REQ-FB-\(index)", msgid: "fb-ev-\(index)", event: rating))
                }
                try await fake.push(Self.event(reqID: "REQ-FB-X", msgid: "fb-ev-x", event: ["eventtype": "feedback_event", "feedback_event": ["type": 1]]))
                try await fake.push(Self.event(reqID: "REQ-FB-END", msgid: "fb-ev-end", event: ["eventtype": "enter_chat"]))
                try await fake.waitFor("the events") { sink.events.withLock { $0.count } == 4 }
                let events = sink.events.withLock { $0 }
                #expect(events.prefix(3).map(\.kind) == [.feedback, .feedback, .feedback])
                #expect(events.prefix(3).map { $0.action?.rating } == [.like, .dislike, .cancel])
                #expect(events.prefix(3).allSatisfy { $0.action?.value == "fb-answer-9" && $0.text == "说得对" })
                #expect(events.last?.kind == .enterChat)
            }
        }
    }
}
