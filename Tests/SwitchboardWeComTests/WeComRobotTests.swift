import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardWeCom

@Suite("WeCom group robot", .timeLimit(.minutes(5)))
struct WeComRobotTests {
    @Test("markdown, markdown_v2 and text with mentions, as WeCom's webhook takes them")
    func messages() async throws {
        try await FakeQyAPI.withRunning { api in
            let markdown = try WeComTest.adapter(WeComTest.robotConfig(api: api.url), bot: "ops-robot")
            _ = try await markdown.deliver(ReplyStream(reply: Reply(markdown: "# 构建完成\n- main 分支")), to: WeComTest.directEvent(bot: "ops-robot"), context: WeComTest.context(job: "a"))
            let v2 = try WeComTest.adapter(WeComTest.robotConfig(api: api.url, ["message_type": "markdown_v2"]), bot: "ops-robot")
            _ = try await v2.deliver(ReplyStream(reply: Reply(markdown: "| 项 | 值 |\n|---|---|\n| 访问 | 120 |")), to: WeComTest.directEvent(bot: "ops-robot"), context: WeComTest.context(job: "b"))
            let text = try WeComTest.adapter(
                WeComTest.robotConfig(api: api.url, ["message_type": "text", "mentioned_list": .array(["wangqing", "@all"]), "mentioned_mobile_list": .array(["13800001111"])]),
                bot: "ops-robot"
            )
            _ = try await text.deliver(ReplyStream(reply: Reply(markdown: "广州今日天气：29度")), to: WeComTest.directEvent(bot: "ops-robot"), context: WeComTest.context(job: "c"))

            let sends = api.robotSends
            #expect(sends.count == 3)
            #expect(sends[0]["msgtype"] == "markdown")
            // WeCom markdown (v1) has no lists: the dialect writes bullets.
            #expect(sends[0]["markdown"] == .object(["content": "# 构建完成\n\n• main 分支"]))
            #expect(sends[1]["msgtype"] == "markdown_v2")
            guard case .object(let table)? = sends[1]["markdown_v2"] else { Issue.record("no markdown_v2"); return }
            #expect(table["content"]?.string?.contains("| 访问 | 120 |") == true)
            #expect(sends[2] == [
                "msgtype": "text",
                "text": .object(["content": "广州今日天气：29度", "mentioned_list": .array(["wangqing", "@all"]), "mentioned_mobile_list": .array(["13800001111"])]),
            ])
        }
    }

    @Test("a wrong key (93000) is a final error that names the key to fix, without the key")
    func wrongKey() async throws {
        try await FakeQyAPI.withRunning { api in
            let robot = try WeComTest.adapter(WeComTest.robotConfig(api: api.url, ["webhook_key": "wrong-key-1234"]), bot: "ops-robot")
            do {
                _ = try await robot.deliver(ReplyStream(reply: Reply(markdown: "x")), to: WeComTest.directEvent(bot: "ops-robot"), context: WeComTest.context())
                Issue.record("sent with a wrong key")
            } catch {
                #expect("\(error)".contains("errcode 93000 (invalid webhook url); check bots.ops-robot.webhook_key"))
                #expect(!"\(error)".contains("wrong-key-1234"))
                #expect((error as? any RetryableError)?.isRetryable == false)
            }
        }
    }

    @Test("a robot receives nothing: its webhook URL is refused")
    func sendOnly() async throws {
        let robot = try WeComTest.adapter(WeComTest.robotConfig(api: "http://127.0.0.1:9"), bot: "ops-robot")
        let result = await robot.handle(WebhookRequest(method: .post, url: "/webhooks/ops-robot", body: Data("{}".utf8)), context: WebhookContext())
        #expect(result.response.status == .methodNotAllowed)
    }

    @Test("the limiter lets `limit` sends through at once and makes the next wait for the period")
    func limiter() async throws {
        let limiter = SendRateLimiter(limit: 3, period: .milliseconds(400))
        let start = ContinuousClock.now
        for _ in 0..<3 { try await limiter.acquire() }
        try await limiter.acquire()
        // A lower bound only: a slow machine can take longer, never shorter.
        #expect(ContinuousClock.now - start >= .milliseconds(400))
    }
}
