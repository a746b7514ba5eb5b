import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardWeCom

/// The AI bot's stream state, polls answered from the store, and what goes through response_url.
@Suite("WeCom AI-bot delivery", .timeLimit(.minutes(5)))
struct WeComAIBotDeliveryTests {
    static func event(api: String, age: TimeInterval = 0, msgid: String = "m1") -> ChatEvent {
        let created = Date().addingTimeInterval(-age)
        let stream = WeComStreamID(createTime: Int(created.timeIntervalSince1970), msgid: msgid)
        return WeComTest.directEvent(
            bot: "wecom-aibot", timestamp: created,
            address: ["stream_id": stream.text, "response_url": "\(api)/cgi-bin/aibot/response?response_code=\(msgid)"]
        )
    }

    static func state(_ store: any StateStore, job: String = "job-1") async throws -> WeComStreamState? {
        try await ReplyStateHandle(store: store, jobID: job).load(WeComStreamState.self, WeComStreamState.key)
    }

    @Test("a finished answer in time is the stream's last frame; response_url is not used")
    func inTime() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.aibotConfig(), bot: "wecom-aibot")
            let store = InMemoryStateStore()
            let stream = ReplyStream(chunks: [.delta("## 结论\n"), .delta("北京今天**晴**。"), .end])
            _ = try await adapter.deliver(stream, to: Self.event(api: api.url), context: WeComTest.context(store: store))
            #expect(try await Self.state(store) == WeComStreamState(content: "## 结论\n\n北京今天**晴**。", finish: true))
            #expect(api.responses.isEmpty)
        }
    }

    @Test("an answer finished after the stream window goes through response_url, once")
    func afterWindow() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.aibotConfig(), bot: "wecom-aibot")
            let store = InMemoryStateStore()
            let event = Self.event(api: api.url, age: 600)
            for attempt in 1...2 {
                _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "迟到的回答")), to: event, context: WeComTest.context(store: store, attempt: attempt))
            }
            #expect(api.responses.count == 1)
            let response = try #require(api.responses.first)
            #expect(response["msgtype"] == "markdown")
            #expect(response["markdown"] == .object(["content": "迟到的回答"]))
        }
    }

    @Test("an answer longer than a stream frame: the first part in the stream, the rest through response_url")
    func overflow() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.aibotConfig(), bot: "wecom-aibot")
            let store = InMemoryStateStore()
            let long = (1...12).map { "第\($0)节\n\n" + String(repeating: "内容", count: 400) }.joined(separator: "\n\n")
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: long)), to: Self.event(api: api.url), context: WeComTest.context(store: store))
            let state = try #require(try await Self.state(store))
            #expect(state.finish)
            #expect(state.content.utf8.count <= 20_480)
            #expect(state.content.hasPrefix("第1节"))
            let rest = try #require(api.responses.first?["markdown"])
            guard case .object(let markdown) = rest, let text = markdown["content"]?.string else { Issue.record("no markdown"); return }
            #expect(text.contains("第12节"))
            #expect(!text.contains("第1节\n"))
        }
    }

    @Test("an answer longer than the stream and response_url together is cut visibly, and the cut is logged")
    func tooLongForBoth() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.aibotConfig(), bot: "wecom-aibot")
            let store = InMemoryStateStore()
            let logs = LogCapture()
            // About 72 KB: a stream frame and one response_url message carry about 40 KB.
            let long = (1...30).map { "第\($0)节\n\n" + String(repeating: "内容", count: 400) }.joined(separator: "\n\n")
            _ = try await adapter.deliver(
                ReplyStream(reply: Reply(markdown: long)), to: Self.event(api: api.url), context: WeComTest.context(store: store, logger: logs.logger())
            )
            let state = try #require(try await Self.state(store))
            #expect(state.finish && state.content.hasPrefix("第1节"))
            #expect(api.responses.count == 1)
            guard case .object(let markdown)? = api.responses.first?["markdown"], let text = markdown["content"]?.string else {
                Issue.record("no markdown through response_url")
                return
            }
            #expect(text.utf8.count <= 20_480)
            #expect(text.hasSuffix(WeComAIBotDelivery.shortenedNotice), "\(text.suffix(200))")
            #expect(!text.contains("第30节"))
            #expect(logs.all.contains { $0.level == .warning && $0.message.contains("shortened") })
        }
    }

    @Test("polls are answered from the store: progress, the finished answer, or an unknown stream")
    func polls() async throws {
        let adapter = try WeComAIBotAdapter(
            botID: "wecom-aibot", config: try ConfigSection(JSONValue.object(WeComTest.aibotConfig()).configNode(path: "bots.wecom-aibot", file: nil))
        )
        let store = InMemoryStateStore()
        let now = Date()
        let id = WeComStreamID(createTime: Int(now.timeIntervalSince1970), msgid: "abc")
        let context = WebhookContext(now: now, replyState: store)
        #expect(try await adapter.pollAnswer(streamID: id.text, context: context) == .init(id: id.text, finish: false, content: "正在思考…"))
        try await ReplyStateHandle(store: store, jobID: "wecom-aibot:abc").save(WeComStreamState.key, WeComStreamState(content: "一半", finish: false))
        #expect(try await adapter.pollAnswer(streamID: id.text, context: context) == .init(id: id.text, finish: false, content: "一半"))
        try await ReplyStateHandle(store: store, jobID: "wecom-aibot:abc").save(WeComStreamState.key, WeComStreamState(content: "全部", finish: true))
        #expect(try await adapter.pollAnswer(streamID: id.text, context: context) == .init(id: id.text, finish: true, content: "全部"))
        // Not ours, or long past its window with nothing written: finished and empty.
        #expect(try await adapter.pollAnswer(streamID: "stream_7f3c9e2a", context: context) == .init(id: "stream_7f3c9e2a", finish: true, content: ""))
        let old = WeComStreamID(createTime: Int(now.timeIntervalSince1970) - 3600, msgid: "old")
        #expect(try await adapter.pollAnswer(streamID: old.text, context: context) == .init(id: old.text, finish: true, content: ""))
        // Made from a message without create_time: its age is unknown, so an answer may still come.
        let timeless = WeComStreamID(createTime: nil, msgid: "f3d2a1b0")
        #expect(timeless.text == "-f3d2a1b0" && WeComStreamID(timeless.text) == timeless)
        #expect(try await adapter.pollAnswer(streamID: timeless.text, context: context) == .init(id: timeless.text, finish: false, content: "正在思考…"))
    }
}

@Suite("WeCom API errors", .timeLimit(.minutes(5)))
struct WeComAPIErrorTests {
    @Test("a send whose fresh token was refused as well is tried again later; bad credentials are final")
    func tokenRefusalsAreRetryable() {
        #expect(WeComAPIError(botID: "b", api: "message/send", kind: .errcode(42001, "access_token expired")).isRetryable)
        #expect(WeComAPIError(botID: "b", api: "message/send", kind: .errcode(40014, "invalid access_token")).isRetryable)
        #expect(!WeComAPIError(botID: "b", api: "gettoken", kind: .errcode(40001, "invalid credential")).isRetryable)
        #expect(!WeComAPIError(botID: "b", api: "message/send", kind: .errcode(40003, "invalid userid")).isRetryable)
    }
}

