import Foundation
import Logging
import SwitchboardCore
import SwitchboardTesting
import Testing

/// A self-built app's answers through `message/send`, against the fake qyapi over real HTTP.
@Suite("WeCom app delivery", .timeLimit(.minutes(5)))
struct WeComAppDeliveryTests {
    @Test("one gettoken for many messages, concurrent callers included; the body has WeCom's shape")
    func tokenShared() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.appConfig(api: api.url))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        _ = try await adapter.deliver(
                            ReplyStream(reply: Reply(markdown: "**第 \(index) 条**回答")), to: WeComTest.directEvent(), context: WeComTest.context(job: "j\(index)")
                        )
                    }
                }
                try await group.waitForAll()
            }
            #expect(api.tokenFetches == 1)
            #expect(api.sends.count == 20)
            let first = try #require(api.sends.first)
            #expect(first["touser"] == "zhangsan")
            #expect(first["msgtype"] == "markdown")
            #expect(first["agentid"] == .number(1000002))
            guard case .object(let markdown)? = first["markdown"] else { Issue.record("no markdown object"); return }
            #expect(markdown["content"]?.string?.hasPrefix("**第 ") == true)
        }
    }

    @Test("a token WeCom says is expired is refreshed once and the send retried")
    func tokenRefresh() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.appConfig(api: api.url))
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "一")), to: WeComTest.directEvent(), context: WeComTest.context(job: "a"))
            api.expireToken()
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "二")), to: WeComTest.directEvent(), context: WeComTest.context(job: "b"))
            #expect(api.tokenFetches == 2)
            #expect(api.sends.count == 2)
        }
    }

    @Test("a wrong secret is a clear, final error that names the keys and not the secret")
    func wrongSecret() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.appConfig(api: api.url, ["secret": "not-the-secret-42"]))
            do {
                _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "x")), to: WeComTest.directEvent(), context: WeComTest.context())
                Issue.record("delivered with a wrong secret")
            } catch {
                let text = "\(error)"
                #expect(text.contains("errcode 40001"))
                #expect(text.contains("check bots.wecom-app.corp_id and bots.wecom-app.secret"))
                #expect(!text.contains("not-the-secret-42"))
                #expect(!text.contains("hint"))
                #expect((error as? any RetryableError)?.isRetryable == false)
            }
        }
    }

    @Test("rate limiting (45009) is retryable; a retried delivery sends only the parts not yet sent")
    func resumesAfterFailure() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.appConfig(api: api.url, ["message_type": "text"]))
            // Three messages' worth of plain text (2048 bytes each).
            let long = (1...3).map { "第\($0)段：" + String(repeating: "长", count: 600) }.joined(separator: "\n\n")
            let store = InMemoryStateStore()
            let event = WeComTest.directEvent()
            // Part 1 goes through, part 2 is rate-limited.
            api.failNextSends((0, ""), (45009, "api freq out of limit"))
            do {
                _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: long)), to: event, context: WeComTest.context(store: store, job: "j", attempt: 1))
                Issue.record("the rate-limited delivery succeeded")
            } catch {
                #expect((error as? any RetryableError)?.isRetryable == true, "\(error)")
                #expect("\(error)".contains("errcode 45009"))
            }
            #expect(api.sends.count == 1)
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: long)), to: event, context: WeComTest.context(store: store, job: "j", attempt: 2))
            let contents = api.sends.map { send -> String in
                guard case .object(let text)? = send["text"] else { return "" }
                return text["content"]?.string ?? ""
            }
            #expect(contents.count == 3)
            #expect(contents.map { $0.prefix(3) } == ["第1段", "第2段", "第3段"])
        }
    }

    @Test("a part that may have arrived before the attempt ended goes again with WeCom's duplicate check; the others without")
    func uncertainPartUsesTheDuplicateCheck() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.appConfig(api: api.url, ["message_type": "text"]))
            let long = (1...2).map { "第\($0)段：" + String(repeating: "长", count: 600) }.joined(separator: "\n\n")
            let store = InMemoryStateStore()
            // The earlier attempt died while part 1 was on its way (the record a killed worker leaves).
            try await ReplyStateHandle(store: store, jobID: "j").save("wecom.sent_parts", Data(#"{"sent":0,"inFlight":0}"#.utf8))
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: long)), to: WeComTest.directEvent(), context: WeComTest.context(store: store, job: "j", attempt: 2))
            #expect(api.sends.count == 2)
            #expect(api.sends.first?["enable_duplicate_check"] == .number(1))
            #expect(api.sends.first?["duplicate_check_interval"] == .number(14_400))
            #expect(api.sends.last?["enable_duplicate_check"] == nil)
        }
    }

    @Test("message_type text sends plain text")
    func plainText() async throws {
        try await FakeQyAPI.withRunning { api in
            let adapter = try WeComTest.adapter(WeComTest.appConfig(api: api.url, ["message_type": "text"]))
            _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "**粗体** 和 [链接](https://example.com)")), to: WeComTest.directEvent(), context: WeComTest.context())
            let send = try #require(api.sends.first)
            #expect(send["msgtype"] == "text")
            guard case .object(let text)? = send["text"] else { Issue.record("no text object"); return }
            #expect(text["content"] == "粗体 和 链接 (https://example.com)")
        }
    }
}

@Suite("WeCom notifications", .timeLimit(.minutes(5)))
struct WeComNotificationTests {
    @Test("an app notifies users through message/send; an AI bot cannot send first")
    func appToUsers() async throws {
        try await FakeQyAPI.withRunning { api in
            let app = try WeComTest.adapter(WeComTest.appConfig(api: api.url))
            let aibot = try WeComTest.adapter(WeComTest.aibotConfig(), bot: "wecom-aibot")
            let notifier = Notifier(
                targets: [NotifyTarget(name: "oncall", bot: "wecom-app", destination: NotificationDestination(user: "zhangsan|lisi"), token: "t")],
                adapters: ["wecom-app": app, "wecom-aibot": aibot], transport: WeComTest.transport, logger: Logger(label: "t")
            )
            let result = await notifier.send("值班提醒：今晚 22:00 发布", to: "oncall")
            #expect(result.ok, "\(result)")
            #expect(api.sends.first?["touser"] == "zhangsan|lisi")
            let problems = Notifier.check(
                [NotifyTarget(name: "a", bot: "wecom-aibot", destination: NotificationDestination(), token: "t"),
                 NotifyTarget(name: "b", bot: "wecom-app", destination: NotificationDestination(chat: "x"), token: "t")],
                adapters: ["wecom-app": app, "wecom-aibot": aibot]
            )
            #expect(problems.map(\.key) == ["targets.a.bot", "targets.b"])
        }
    }
}
