import Foundation
import SwitchboardCore
@testable import SwitchboardDify
import SwitchboardTesting
import Synchronization
import Testing

/// Every way a real Dify fails, and what the user and the operator get for it.
@Suite("Dify failures", .timeLimit(.minutes(5)))
struct DifyFailureTests {
    static let notice = "\n\n⚠️ 回答中断，请稍后重试。/ The answer was cut off; please try again."

    @Test("a conversation Dify no longer knows is dropped and the question asked again in a new one")
    func conversationGone() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let stale = UUID().uuidString.lowercased()
            let logs = LogCapture()
            let answer = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat", logs: logs), DifyTest.request("还在吗", conversationID: stale))
            #expect(answer.reply.markdown == "You said: 还在吗")
            #expect(answer.conversation != nil && answer.conversation != stale)
            #expect(dify.calls.map(\.conversationID) == [stale, ""])
            #expect(logs.messages.contains { $0.contains("no longer knows the stored conversation of backend helpdesk") })
        }
    }

    @Test("an invalid conversation id (400) is dropped the same way, once")
    func invalidConversation() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let answer = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat"), DifyTest.request("hi", conversationID: "echo-not-a-uuid"))
            #expect(answer.reply.markdown == "You said: hi")
            #expect(dify.calls.map(\.conversationID) == ["echo-not-a-uuid", ""])
        }
    }

    @Test("401: the log names the backend, never the key, and the user gets the fallback text without retries")
    func keyRejected() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let logs = LogCapture()
            let wrongKey = "app-WrongKeyThatMustNotBeLogged"
            let backend = try DifyTest.backend(dify, app: "chat", options: ["api_key": .string(wrongKey), "fallback_text": "机器人暂时不可用。"], logs: logs)
            let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(answer.reply.markdown == "机器人暂时不可用。")
            #expect(logs.messages.contains { $0.contains("Dify rejected the API key of backend helpdesk") && $0.contains("backends.helpdesk.api_key") })
            #expect(!logs.text.contains(wrongKey))
            #expect(!logs.text.contains(dify.apiKey))
            #expect(!logs.messages.contains { $0.contains("retry") })
            #expect(dify.calls.count == 1)
        }
    }

    @Test("429 and 5xx are retried with backoff; the answer comes from the attempt that worked")
    func retried() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            dify.enqueue(
                .error(status: 429, code: "too_many_requests", message: "Too many requests. Please try again later."),
                .error(status: 500, code: "internal_server_error", message: "Internal Server Error, please contact support.")
            )
            let logs = LogCapture()
            let answer = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat", logs: logs), DifyTest.request("hi"))
            #expect(answer.reply.markdown == "You said: hi")
            #expect(dify.calls.count == 3)
            #expect(logs.messages.contains { $0.contains("rate-limited") && $0.contains("retry 1 of 2") })
            #expect(logs.messages.contains { $0.contains("HTTP 500") && $0.contains("retry 2 of 2") })
        }
    }

    @Test("retries wait an exponential backoff with jitter in [½, 1½] — recorded, not slept")
    func backoff() async throws {
        for attempt in 1...4 {
            let base = Duration.milliseconds(200) * (1 << (attempt - 1))
            #expect(DifyAnswer.backoff(initial: .milliseconds(200), attempt: attempt, jitter: 1) == base)
            for _ in 0..<100 {
                let delay = DifyAnswer.backoff(initial: .milliseconds(200), attempt: attempt)
                #expect(delay >= base / 2 && delay <= base * 3 / 2)
            }
        }
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            for _ in 0..<3 {
                dify.enqueue(.error(status: 503, code: "unknown", message: "Service Unavailable"))
            }
            var backend = try #require(try DifyTest.backend(dify, app: "chat", options: ["retries": 3, "retry_initial_delay": "1s"]) as? DifyBackend)
            let waits = Mutex<[Duration]>([])
            backend.sleep = { duration in waits.withLock { $0.append(duration) } }
            let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(answer.reply.markdown == "You said: hi")
            let recorded = waits.withLock { $0 }
            #expect(recorded.count == 3)
            for (index, wait) in recorded.enumerated() {
                let base = Duration.seconds(1 << index)
                #expect(wait >= base / 2 && wait <= base * 3 / 2, "retry \(index + 1) waited \(wait)")
            }
        }
    }

    @Test("retries are bounded: after `retries` more attempts the user gets the fallback text")
    func retriesExhausted() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            for _ in 0..<4 {
                dify.enqueue(.error(status: 503, code: "unknown", message: "Service Unavailable"))
            }
            let logs = LogCapture()
            let answer = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat", options: ["retries": 1], logs: logs), DifyTest.request("hi"))
            #expect(answer.reply.markdown == DifyTest.fallback)
            #expect(dify.calls.count == 2)
            #expect(logs.all.contains { $0.level == .error && $0.message.contains("HTTP 503") && $0.message.contains("fallback") })
        }
    }

    @Test("a refused connection is retried, then answered with the fallback text")
    func refused() async throws {
        let logs = LogCapture()
        let backend = try DifyTest.backend(section: [
            "type": "dify", "base_url": "http://127.0.0.1:1", "api_key": "app-x", "app": "chat", "retries": 1, "retry_initial_delay": "10ms",
            "timeouts": .object(["connect": "500ms"]),
        ], logs: logs)
        let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
        #expect(answer.reply.markdown == DifyTest.fallback)
        // AsyncHTTPClient retries a refused connection until the connect timeout.
        #expect(logs.messages.filter { $0.contains("connect timeout; check that backends.helpdesk.base_url is reachable") }.count == 2)
    }

    @Test("a head that does not come in time is a connect timeout, and retried")
    func connectTimeout() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            dify.enqueue(.stream([events.message("late"), events.messageEnd()], headDelay: .seconds(4)))
            let logs = LogCapture()
            // 2 s: a retry must get its head in time — after the network's latency (up to 300 ms
            // here) — even when the test process is busy with others; the first head comes at 4 s.
            let backend = try DifyTest.backend(dify, app: "chat", options: ["timeouts": .object(["connect": "2s"])], logs: logs)
            let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(answer.reply.markdown == "You said: hi")
            #expect(logs.messages.contains { $0.contains("connect timeout") && $0.contains("backends.helpdesk.timeouts.connect") })
        }
    }

    @Test("a slow first token is a first_byte timeout, and retried")
    func firstByteTimeout() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            // Far longer than the timeout, so a loaded machine cannot make the late token win.
            dify.enqueue(.stream([.pause(.seconds(10)), events.message("late"), events.messageEnd()]))
            let logs = LogCapture()
            let backend = try DifyTest.backend(dify, app: "chat", options: ["timeouts": .object(["first_byte": "1500ms"])], logs: logs)
            let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(answer.reply.markdown == "You said: hi")
            #expect(logs.messages.contains { $0.contains("first_byte timeout") })
        }
    }

    @Test("silence after some text is an idle timeout: the text is kept, a notice added, nothing retried")
    func idleTimeoutAfterText() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            dify.enqueue(.stream([events.message("前半句"), .pause(.seconds(10)), events.message("后半句"), events.messageEnd()]))
            let backend = try DifyTest.backend(dify, app: "chat", options: ["timeouts": .object(["idle": "1500ms"])])
            let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(answer.reply.markdown == "前半句" + Self.notice)
            #expect(answer.conversation == events.conversationID)
            #expect(dify.calls.count == 1)
        }
    }

    @Test("pings keep a stream alive past the idle timeout, but not past the total one")
    func totalTimeout() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            // 12 s of pings: even a test process starved for seconds (CI, 2 cores, every suite at
            // once) cannot find the whole stream buffered and finish it before the 1 s total.
            let pings = (0..<120).flatMap { _ in [FakeDifyStep.pause(.milliseconds(100)), .ping] }
            dify.enqueue(.stream([events.message("想")] + pings + [events.messageEnd()]))
            let logs = LogCapture()
            // A 4 s total: the first text must arrive before it even in a starved full run (it
            // once came after a 1 s total there, and the retry got the fake's standard answer);
            // a 2 s idle timeout that pings every 100 ms keep from, however starved the process.
            let backend = try DifyTest.backend(dify, app: "chat", options: ["timeouts": .object(["idle": "2s", "total": "4s"])], logs: logs)
            let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(answer.reply.markdown == "想" + Self.notice)
            #expect(logs.messages.contains { $0.contains("total timeout") })
        }
    }

    @Test("an error event after some text keeps the text and adds a short notice")
    func errorEventAfterText() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            dify.enqueue(.stream([
                events.message("根据资料，"), events.error(status: 400, code: "completion_request_error", message: "[openai] Rate Limit Error"),
            ]))
            let logs = LogCapture()
            let answer = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat", logs: logs), DifyTest.request("hi"))
            #expect(answer.reply.markdown == "根据资料，" + Self.notice)
            #expect(dify.calls.count == 1)
            #expect(logs.messages.contains { $0.contains("completion_request_error") && $0.contains("[openai] Rate Limit Error") })
        }
    }

    @Test("an error event before any text: a model error is not retried, an internal error is")
    func errorEventBeforeText() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let quota = FakeDifyEvents()
            dify.enqueue(.stream([quota.error(status: 400, code: "provider_quota_exceeded", message: "Your quota for Dify Hosted Model Provider has been exhausted.")]))
            let logs = LogCapture()
            let backend = try DifyTest.backend(dify, app: "chat", logs: logs)
            #expect(try await DifyTest.answer(backend, DifyTest.request("hi")).reply.markdown == DifyTest.fallback)
            #expect(dify.calls.count == 1)
            #expect(logs.messages.contains { $0.contains("provider_quota_exceeded") })

            let crash = FakeDifyEvents()
            dify.enqueue(.stream([crash.error(status: 500, code: "internal_server_error", message: "Internal Server Error, please contact support.")]))
            #expect(try await DifyTest.answer(backend, DifyTest.request("hi")).reply.markdown == "You said: hi")
            #expect(dify.calls.count == 3)
        }
    }

    @Test("a stream cut before message_end: retried when nothing was shown, a notice when text was")
    func cutStream() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let silent = FakeDifyEvents()
            dify.enqueue(.stream([.ping]), .stream([silent.message("部分")]))
            let backend = try DifyTest.backend(dify, app: "chat")
            let first = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(first.reply.markdown == "部分" + Self.notice)
            #expect(dify.calls.count == 2)
        }
    }

    @Test("the wrong kind of app is logged with the app key to fix, and not retried")
    func wrongApp() async throws {
        try await FakeDifyServer.withRunning(mode: "completion") { dify in
            let logs = LogCapture()
            let answer = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat", logs: logs), DifyTest.request("hi"))
            #expect(answer.reply.markdown == DifyTest.fallback)
            #expect(logs.messages.contains { $0.contains("not_chat_app") && $0.contains("fix backends.helpdesk.app") })
            #expect(dify.calls.count == 1)
        }
        try await FakeDifyServer.withRunning(mode: "agent-chat") { dify in
            let logs = LogCapture()
            let backend = try DifyTest.backend(dify, app: "chat", options: ["response_mode": "blocking"], logs: logs)
            #expect(try await DifyTest.answer(backend, DifyTest.request("hi")).reply.markdown == DifyTest.fallback)
            #expect(logs.messages.contains { $0.contains("it is an agent app, which only streams") && $0.contains("fix backends.helpdesk.app") })
        }
    }

    @Test("app_unavailable names the app key; a failed workflow run is logged with its error")
    func unavailable() async throws {
        try await FakeDifyServer.withRunning(mode: "workflow") { dify in
            dify.enqueue(.error(status: 400, code: "app_unavailable", message: "App unavailable, please check your app configurations."))
            let events = FakeDifyEvents()
            dify.enqueue(.stream([events.workflowStarted(), events.workflowFinished(status: "failed", outputs: [], error: "LLM node: model not configured")]))
            let logs = LogCapture()
            let backend = try DifyTest.backend(dify, app: "workflow", logs: logs)
            #expect(try await DifyTest.answer(backend, DifyTest.request("hi")).reply.markdown == DifyTest.fallback)
            #expect(logs.messages.contains { $0.contains("unavailable") && $0.contains("backends.helpdesk.app") })
            #expect(try await DifyTest.answer(backend, DifyTest.request("hi")).reply.markdown == DifyTest.fallback)
            #expect(logs.messages.contains { $0.contains("workflow_failed") && $0.contains("LLM node: model not configured") })
            #expect(dify.calls.count == 2)
        }
    }
}
