import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// What each kind of app answers, streamed and blocking, against the fake Dify over real HTTP.
@Suite("Dify answers", .timeLimit(.minutes(5)))
struct DifyAnswerTests {
    @Test("a chat app streams its answer, and the request has Dify's shape")
    func chatStream() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let backend = try DifyTest.backend(dify, app: "chat")
            let chunks = try await DifyTest.chunks(backend, DifyTest.request("今天天气怎么样？"))
            let conversation = try #require(dify.calls.first).conversationID
            #expect(conversation == "")
            guard case .conversation(let id)? = chunks.first else { Issue.record("no conversation id first: \(chunks)"); return }
            #expect(UUID(uuidString: id) != nil)
            #expect(chunks.dropFirst() == [.delta("You said:"), .delta(" 今天天气怎么样？"), .end])
            let call = try #require(dify.calls.first)
            #expect(call.path == "/v1/chat-messages")
            #expect(call.authorization == "Bearer \(dify.apiKey)")
            #expect(call.responseMode == "streaming")
            #expect(call.query == "今天天气怎么样？")
            #expect(call.user == "wecom:wecom-app:zhangsan")
            #expect(call.body["inputs"] == .object([:]))
        }
    }

    @Test("the stored conversation id is sent, and a base URL without /v1 works the same")
    func continuesConversation() async throws {
        try await FakeDifyServer.withRunning(mode: "advanced-chat") { dify in
            let backend = try DifyTest.backend(dify, app: "chatflow", options: ["base_url": .string(dify.rootURL + "/")])
            let first = try await DifyTest.answer(backend, DifyTest.request("一"))
            let second = try await DifyTest.answer(backend, DifyTest.request("二", conversationID: first.conversation))
            #expect(second.conversation == first.conversation)
            #expect(second.reply.markdown == "You said: 二")
            #expect(dify.calls.map(\.conversationID) == ["", first.conversation])
        }
    }

    @Test("the first text comes out of the backend before Dify sends the next chunk")
    func incremental() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            let gate = TestGate()
            dify.enqueue(.stream([events.message("第一段"), .wait(gate), events.message("第二段"), events.messageEnd()]))
            let backend = try DifyTest.backend(dify, app: "chat")
            var iterator = backend.respond(to: DifyTest.request("hi")).makeAsyncIterator()
            #expect(try await iterator.next() == .conversation(events.conversationID))
            // Dify withholds chunk 2 until this line has seen chunk 1.
            #expect(try await iterator.next() == .delta("第一段"))
            #expect(!gate.isOpen)
            gate.open()
            #expect(try await iterator.next() == .delta("第二段"))
            #expect(try await iterator.next() == .end)
            #expect(try await iterator.next() == nil)
        }
    }

    @Test("pings, comments, unknown events and odd line endings do not disturb the answer")
    func noise() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            let crlf = Array("data: {\"event\": \"message\", \"task_id\": \"\(events.taskID)\", \"conversation_id\": \"\(events.conversationID)\", \"answer\": \"，世界\"}\r\n\r\n".utf8)
            dify.enqueue(.stream([
                .ping, .comment("keep-alive"), events.message("你好"),
                .event(#"{"event": "tts_message", "task_id": "t", "audio": ""}"#), .event(#"{"event": "iteration_started", "data": {}}"#),
                .raw(Array(crlf[..<7])), .pause(.milliseconds(20)), .raw(Array(crlf[7...])), .ping, events.messageEnd(),
            ]))
            let backend = try DifyTest.backend(dify, app: "chat")
            let answer = try await DifyTest.answer(backend, DifyTest.request("hi"))
            #expect(answer.reply.markdown == "你好，世界")
        }
    }

    @Test("message_replace replaces the answer; message_end brings the citations")
    func replaceAndCitations() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let events = FakeDifyEvents()
            dify.enqueue(.stream([
                events.message("敏感内容"), events.messageReplace("该回答已被审核替换。"),
                events.messageEnd(resources: [
                    FakeDifyEvents.resource(document: "报销制度.pdf", dataset: "财务", score: 0.92, content: "差旅报销需在 30 天内提交。"),
                    FakeDifyEvents.resource(document: "FAQ.md", content: "发票抬头写公司全称。"),
                ]),
            ]))
            let backend = try DifyTest.backend(dify, app: "chat")
            let chunks = try await DifyTest.chunks(backend, DifyTest.request("报销"))
            #expect(chunks.contains(.replace("该回答已被审核替换。")))
            let answer = try await DifyTest.answer(backend, DifyTest.request("again"))
            #expect(answer.reply.citations.isEmpty)
            var reply = Reply()
            chunks.forEach { reply.apply($0) }
            #expect(reply.markdown == "该回答已被审核替换。")
            #expect(reply.citations.map(\.title) == ["报销制度.pdf", "FAQ.md"])
            #expect(reply.citations.first?.snippet == "差旅报销需在 30 天内提交。")
            #expect(reply.citations.first?.score == 0.92)
        }
    }

    @Test("reasoning is removed unless show_thinking is on")
    func thinking() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            for _ in 0..<2 {
                let events = FakeDifyEvents()
                dify.enqueue(.stream([events.message("<think>\n先想"), events.message("一想</think>\n\n"), events.message("答案是 42。"), events.messageEnd()]))
            }
            let hidden = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat"), DifyTest.request("?"))
            #expect(hidden.reply.markdown == "答案是 42。")
            let shown = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat", options: ["show_thinking": true]), DifyTest.request("?"))
            #expect(shown.reply.markdown == "> 💭 先想一想\n\n答案是 42。")
        }
    }

    @Test("an agent streams agent_message; tool steps are hidden unless show_agent_thoughts; tool images are shown")
    func agent() async throws {
        try await FakeDifyServer.withRunning(mode: "agent-chat") { dify in
            for _ in 0..<2 {
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.agentThought(id: "th-1", position: 1, thought: "查一下天气", tool: "weather"),
                    events.agentThought(id: "th-1", position: 1, thought: "查一下天气", tool: "weather", observation: "晴"),
                    events.messageFile(url: "/files/tools/chart.png?timestamp=1&sign=x"),
                    events.agentThought(id: "th-2", position: 2, thought: "", tool: ""),
                    events.agentMessage("北京今天晴。"), events.messageEnd(),
                ]))
            }
            let quiet = try await DifyTest.answer(try DifyTest.backend(dify, app: "agent"), DifyTest.request("天气"))
            #expect(quiet.reply.markdown == "\n\n![](\(dify.rootURL)/files/tools/chart.png?timestamp=1&sign=x)\n\n北京今天晴。")
            let chatty = try await DifyTest.answer(try DifyTest.backend(dify, app: "agent", options: ["show_agent_thoughts": true]), DifyTest.request("天气"))
            #expect(chatty.reply.markdown.hasPrefix("> 🔧 weather\n> 查一下天气\n\n\n\n![]("))
            #expect(chatty.reply.markdown.components(separatedBy: "🔧").count == 2)
            #expect(dify.calls.allSatisfy { $0.responseMode == "streaming" })
        }
    }

    @Test("a document a tool made (message_file of type document) is a file of the answer, named from its URL, not Markdown; the user's own files are not repeated")
    func documentFile() async throws {
        try await FakeDifyServer.withRunning(mode: "advanced-chat") { dify in
            let events = FakeDifyEvents()
            dify.enqueue(.stream([
                events.message("报告见附件。"), events.messageFile(url: "/files/tools/%E5%91%A8%E6%8A%A5.pdf?timestamp=1&sign=x", type: "document"),
                events.messageEnd(),
            ]))
            let answer = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat"), DifyTest.request("周报"))
            #expect(answer.reply.markdown == "报告见附件。")
            #expect(answer.reply.files == [AnswerFile(url: "\(dify.rootURL)/files/tools/%E5%91%A8%E6%8A%A5.pdf?timestamp=1&sign=x", name: "周报.pdf")])
        }
    }

    @Test("a workflow streams text_chunk text and its inputs carry the query and the templates")
    func workflowStream() async throws {
        try await FakeDifyServer.withRunning(mode: "workflow") { dify in
            let backend = try DifyTest.backend(dify, app: "workflow", options: [
                "inputs": .object(["asker": "{{sender.name}} ({{sender.id}}) in {{chat.title}}", "where": "{{platform}}/{{bot}}/{{chat.type}}/{{chat.id}}"]),
            ])
            let answer = try await DifyTest.answer(backend, DifyTest.request("总结这段文字"))
            #expect(answer.reply.markdown == "You said: 总结这段文字")
            #expect(answer.conversation == nil)
            let call = try #require(dify.calls.first)
            #expect(call.path == "/v1/workflows/run")
            #expect(call.query == nil)
            #expect(call.conversationID == nil)
            #expect(call.inputs == ["query": "总结这段文字", "asker": "张三 (zhangsan) in 研发群", "where": "wecom/wecom-app/group/chat-1"])
        }
    }

    @Test("a workflow without streamed text answers from its first string output, or from output_key")
    func workflowOutputs() async throws {
        try await FakeDifyServer.withRunning(mode: "workflow") { dify in
            let outputs: [(String, OrderedJSON)] = [("count", 3), ("summary", "第一个字符串输出"), ("answer", "第二个")]
            for _ in 0..<3 {
                let events = FakeDifyEvents()
                dify.enqueue(.stream([events.workflowStarted(), events.nodeStarted(title: "End", type: "end"), events.workflowFinished(outputs: outputs)]))
            }
            let first = try await DifyTest.answer(try DifyTest.backend(dify, app: "workflow"), DifyTest.request("q"))
            #expect(first.reply.markdown == "第一个字符串输出")
            let keyed = try await DifyTest.answer(try DifyTest.backend(dify, app: "workflow", options: ["output_key": "answer"]), DifyTest.request("q"))
            #expect(keyed.reply.markdown == "第二个")
            let logs = LogCapture()
            let missing = try await DifyTest.answer(
                try DifyTest.backend(dify, app: "workflow", options: ["output_key": "result"], logs: logs), DifyTest.request("q")
            )
            #expect(missing.reply.markdown == DifyTest.fallback)
            #expect(logs.messages.contains { $0.contains("has no output \"result\" (its outputs: count, summary, answer); fix backends.helpdesk.output_key") })
        }
    }

    @Test("blocking mode works for chat, workflow and completion apps")
    func blocking() async throws {
        for (mode, app) in [("chat", "chat"), ("advanced-chat", "chatflow"), ("workflow", "workflow"), ("completion", "completion")] {
            try await FakeDifyServer.withRunning(mode: mode) { dify in
                let backend = try DifyTest.backend(dify, app: app, options: ["response_mode": "blocking"])
                let answer = try await DifyTest.answer(backend, DifyTest.request("你好"))
                #expect(answer.reply.markdown == "You said: 你好", "\(app)")
                #expect((answer.conversation != nil) == (app == "chat" || app == "chatflow"), "\(app)")
                #expect(dify.calls.first?.responseMode == "blocking")
            }
        }
    }

    @Test("a completion app streams, and gets the query both as input and as query")
    func completion() async throws {
        try await FakeDifyServer.withRunning(mode: "completion") { dify in
            let backend = try DifyTest.backend(dify, app: "completion", options: ["query_input": "text"])
            let answer = try await DifyTest.answer(backend, DifyTest.request("写一首诗"))
            #expect(answer.reply.markdown == "You said: 写一首诗")
            #expect(answer.conversation == nil)
            let call = try #require(dify.calls.first)
            #expect(call.path == "/v1/completion-messages")
            #expect(call.inputs == ["text": "写一首诗"])
            #expect(call.query == "写一首诗")
        }
    }
}
