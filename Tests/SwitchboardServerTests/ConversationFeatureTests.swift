import Foundation
import SwitchboardCore
import SwitchboardDify
import SwitchboardTesting
import Testing

/// Follow-ups, replies to the bot, bursts, limits, access and admin commands, through the real
/// server with the generic adapter, over HTTP.
@Suite("Conversation features", .timeLimit(.minutes(5)))
struct ConversationFeatureTests {
    static func yaml(_ callback: LoopbackServer, routes: String, top: String = "") -> String {
        """
        bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
        engine: {poll_interval: 50ms}
        \(top)
        routes:
        \(routes)
        """
    }

    static let environment = ["APP_SECRET": RunningSwitchboard.secret]

    /// The window's end is the engine's clock's business (FollowUpWindowTests); here, a window
    /// wide enough for a starved test process, over the real server.
    @Test("follow_up: after an answer, the same person's next group messages count as addressed; others' do not")
    func followUp() async throws {
        try await LoopbackServer.withRunning { callback in
            let routes = "  - {name: group, when: {mention: true}, backend: echo, follow_up: 10m}"
            let store = InMemoryStateStore()
            try await RunningSwitchboard.run(yaml: Self.yaml(callback, routes: routes), environment: Self.environment, store: store) { server in
                #expect(try await server.post(Chat.message("m1", "年假有几天？", mention: true)).status == 200)
                _ = try await callback.waitForRequests(count: 1)
                try await Chat.idle(store)
                #expect(try await server.post(Chat.message("m2", "那病假呢？")).status == 200)
                _ = try await callback.waitForRequests(count: 2)
                // Someone else, without @: not for the bot. Then an @-message of theirs is.
                #expect(try await server.post(Chat.message("m3", "我也想问", sender: "u-2")).status == 200)
                #expect(try await server.post(Chat.message("m4", "我也想问病假", sender: "u-2", mention: true)).status == 200)
                #expect(try await Chat.settle(callback, count: 3, store: store) == 3)
                #expect(try Chat.replies(callback).map(\.event) == ["app:m1", "app:m2", "app:m4"])
            }
        }
    }

    @Test("a reply to one of the bot's own messages counts as addressed; a reply to someone else's does not; the quote reaches the backend")
    func replyToTheBot() async throws {
        // The receiver says which message it posted for each answer.
        try await LoopbackServer.withRunning(respond: { request in
            let event = (try? JSONParser.parse(request.body))?["event_id"]?.string ?? ""
            return .json(raw: #"{"message_ids":["bot-\#(event)"]}"#)
        }) { callback in
            let routes = "  - {name: group, when: {mention: true}, backend: echo}"
            let store = InMemoryStateStore()
            try await RunningSwitchboard.run(yaml: Self.yaml(callback, routes: routes), environment: Self.environment, store: store) { server in
                #expect(try await server.post(Chat.message("m1", "报销流程是什么？", mention: true)).status == 200)
                _ = try await callback.waitForRequests(count: 1)
                try await Chat.idle(store)
                #expect(try await server.post(Chat.message("m2", "第二步呢？", sender: "u-2", replyTo: "bot-app:m1", quote: "1. 填单\n2. 审批")).status == 200)
                _ = try await callback.waitForRequests(count: 2)
                #expect(try await server.post(Chat.message("m3", "同意", sender: "u-3", replyTo: "u-2-message")).status == 200)
                #expect(try await server.post(Chat.message("m4", "完了", mention: true)).status == 200)
                #expect(try await Chat.settle(callback, count: 3, store: store) == 3)
                let replies = try Chat.replies(callback)
                #expect(replies.map(\.event) == ["app:m1", "app:m2", "app:m4"])
                // The echo backend puts the quote before the question, as a Markdown quote.
                #expect(replies[1].text == "> 1. 填单\n> 2. 审批\n\n第二步呢？")
            }
        }
    }

    @Test("debounce: three lines in a burst are answered once, joined in order; each is acked and deduplicated; a later line is answered alone")
    func debounce() async throws {
        try await LoopbackServer.withRunning { callback in
            // A window wide enough for a test process starved by a full parallel run (the three
            // lines are sent back to back).
            let routes = "  - {name: direct, when: {chat: direct}, backend: echo, debounce: 2s}"
            let store = InMemoryStateStore()
            try await RunningSwitchboard.run(yaml: Self.yaml(callback, routes: routes), environment: Self.environment, store: store) { server in
                for (id, text) in [("m1", "我想请假"), ("m2", "下周一到周三"), ("m3", "需要谁批？")] {
                    #expect(try await server.post(Chat.message(id, text, group: false)).status == 200)
                }
                // A redelivery of the second line changes nothing.
                #expect(try await server.post(Chat.message("m2", "下周一到周三", group: false)).status == 200)
                #expect(try await Chat.settle(callback, count: 1, store: store) == 1)
                #expect(try await server.post(Chat.message("m4", "谢谢", group: false)).status == 200)
                #expect(try await Chat.settle(callback, count: 2, store: store) == 2)
                let replies = try Chat.replies(callback)
                #expect(replies.map(\.event) == ["app:m1", "app:m4"])
                #expect(replies[0].text == "我想请假\n下周一到周三\n需要谁批？")
                #expect(replies[1].text == "谢谢")
            }
        }
    }

    @Test("rate_limit: over the allowance the backend is not asked, the user is told once per window; other people and chats keep theirs")
    func rateLimit() async throws {
        try await LoopbackServer.withRunning { callback in
            let routes = "  - {name: group, when: {mention: true}, backend: echo, rate_limit: {per_user: 2/d, window: sliding, notice: 慢一点}}"
            let top = "rate_limit: {per_chat: 4/h, window: sliding}"
            let store = InMemoryStateStore()
            try await RunningSwitchboard.run(yaml: Self.yaml(callback, routes: routes, top: top), environment: Self.environment, store: store) { server in
                var expected = 0
                func send(_ id: String, _ sender: String, chat: String = "room-1", answered: Bool) async throws {
                    #expect(try await server.post(Chat.message(id, "问题 \(id)", sender: sender, chat: chat, mention: true)).status == 200)
                    if answered {
                        expected += 1
                        _ = try await callback.waitForRequests(count: expected)
                    }
                }
                try await send("m1", "u-1", answered: true)
                try await send("m2", "u-1", answered: true)
                try await send("m3", "u-1", answered: true)  // the notice
                try await send("m4", "u-1", answered: false)  // told already: nothing
                try await send("m5", "u-2", answered: true)
                try await send("m6", "u-2", answered: true)  // the chat's fourth
                try await send("m7", "u-3", answered: true)  // over the chat's 4/h: the notice (global)
                try await send("m8", "u-3", chat: "room-2", answered: true)
                #expect(try await Chat.settle(callback, count: expected, store: store) == expected)
                let replies = try Chat.replies(callback)
                #expect(replies.map(\.event) == ["app:m1", "app:m2", "app:m3", "app:m5", "app:m6", "app:m7", "app:m8"])
                #expect(replies[2].text == "慢一点")
                #expect(replies[5].text == RateLimit.defaultNotice)
                #expect(replies[6].text == "问题 m8")
            }
        }
    }

    @Test("access: deny lists win, allow lists admit only those listed, globally and per route")
    func access() async throws {
        try await LoopbackServer.withRunning { callback in
            let routes = """
                  - {name: finance, when: {keywords: [报销]}, backend: echo, access: {allow: {users: [app:u-finance]}}}
                  - {name: group, when: {mention: true}, backend: echo}
                """
            let top = "access: {deny: {users: [u-bad], chats: [room-closed]}}"
            let store = InMemoryStateStore()
            try await RunningSwitchboard.run(yaml: Self.yaml(callback, routes: routes, top: top), environment: Self.environment, store: store) { server in
                #expect(try await server.post(Chat.message("m1", "你好", sender: "u-bad", mention: true)).status == 200)
                #expect(try await server.post(Chat.message("m2", "你好", chat: "room-closed", mention: true)).status == 200)
                // The finance route admits only u-finance; others' 报销 without @ is nobody's.
                #expect(try await server.post(Chat.message("m3", "报销怎么走", sender: "u-1")).status == 200)
                #expect(try await server.post(Chat.message("m4", "报销怎么走", sender: "u-finance")).status == 200)
                _ = try await callback.waitForRequests(count: 1)
                #expect(try await server.post(Chat.message("m5", "你好", mention: true)).status == 200)
                #expect(try await Chat.settle(callback, count: 2, store: store) == 2)
                #expect(try Chat.replies(callback).map(\.event) == ["app:m4", "app:m5"])
            }
        }
    }

    @Test("admins: /status shows the queue and the backends; /reset all forgets every conversation of the chat; others are refused")
    func adminCommands() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            try await LoopbackServer.withRunning { callback in
                let yaml = """
                    backends: {helpdesk: {type: dify, base_url: "\(dify.baseURL)", api_key: "${DIFY_API_KEY}", app: chat}}
                    bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
                    engine: {poll_interval: 50ms}
                    admins: [app:u-admin]
                    routes:
                      - {name: group, when: {mention: true}, backend: helpdesk}
                    """
                let environment = Self.environment.merging(["DIFY_API_KEY": dify.apiKey]) { $1 }
                let store = InMemoryStateStore()
                try await RunningSwitchboard.run(yaml: yaml, environment: environment, backends: [DifyBackendFactory()], store: store) { server in
                    var count = 0
                    func ask(_ id: String, _ text: String, _ sender: String) async throws {
                        #expect(try await server.post(Chat.message(id, text, sender: sender, mention: true)).status == 200)
                        count += 1
                        _ = try await callback.waitForRequests(count: count)
                    }
                    try await ask("m1", "第一个问题", "u-1")
                    try await ask("m2", "第二个问题", "u-2")
                    try await ask("m3", "/status", "u-1")
                    // Every job before it ended: /status sees only itself.
                    try await Chat.idle(store)
                    try await ask("m4", "/status", "u-admin")
                    try await ask("m5", "/reset all", "u-admin")
                    try await ask("m6", "接着问", "u-1")
                    let replies = try Chat.replies(callback)
                    #expect(replies[2].text.contains("Only the bot's admins"))
                    #expect(replies[3].text.contains("**Switchboard status**"))
                    #expect(replies[3].text.contains("queue: 0 waiting, 1 running"), "\(replies[3].text)")
                    #expect(replies[3].text.contains("helpdesk: reachable"))
                    #expect(replies[4].text.contains("Reset 2 conversations in this chat"))
                    // u-1's conversation was forgotten: the next question starts a new one.
                    let calls = dify.calls.filter { $0.path.hasSuffix("/chat-messages") }
                    #expect(calls.count == 3)
                    #expect(calls.last?.conversationID == "")
                }
            }
        }
    }

    @Test("a quote goes to Dify as the configured input, or before the query when none is configured")
    func quoteToDify() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            try await LoopbackServer.withRunning { callback in
                let yaml = """
                    backends:
                      withInput: {type: dify, base_url: "\(dify.baseURL)", api_key: "${DIFY_API_KEY}", app: chat, quote_input: quoted, quote_max_chars: 6}
                      plain: {type: dify, base_url: "\(dify.baseURL)", api_key: "${DIFY_API_KEY}", app: chat}
                    bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
                    engine: {poll_interval: 50ms}
                    routes:
                      - {name: input, when: {chat: direct}, backend: withInput}
                      - {name: plain, when: {mention: true}, backend: plain}
                    """
                let environment = Self.environment.merging(["DIFY_API_KEY": dify.apiKey]) { $1 }
                try await RunningSwitchboard.run(yaml: yaml, environment: environment, backends: [DifyBackendFactory()]) { server in
                    #expect(try await server.post(Chat.message("m1", "对吗？", group: false, quote: "下周二全员上线")).status == 200)
                    _ = try await callback.waitForRequests(count: 1)
                    #expect(try await server.post(Chat.message("m2", "对吗？", mention: true, quote: "下周二上线")).status == 200)
                    _ = try await callback.waitForRequests(count: 2)
                    let calls = dify.calls.filter { $0.path.hasSuffix("/chat-messages") }
                    #expect(calls.count == 2)
                    #expect(calls.first?.query == "对吗？")
                    #expect(calls.first?.inputs["quoted"] == "下周二全员上…")
                    #expect(calls.last?.query == "> 下周二上线\n\n对吗？")
                    #expect(calls.last?.inputs["quoted"] == nil)
                }
            }
        }
    }
}
