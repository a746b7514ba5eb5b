import Foundation
import Logging
import SwitchboardCore
import SwitchboardOpenAI
import SwitchboardServer
import SwitchboardTesting
import Testing

/// `type: openai` against a fake Chat Completions API on loopback, over the real HTTP client.
@Suite("OpenAI-compatible backend", .timeLimit(.minutes(5)))
struct OpenAIBackendTests {
    static let transport = AsyncHTTPClientTransport()

    static func backend(_ fake: FakeOpenAIServer, options: [String: JSONValue] = [:], logs: LogCapture = LogCapture()) throws -> any ChatBackend {
        var section: [String: JSONValue] = [
            "type": "openai", "base_url": .string(fake.baseURL), "api_key": .string(fake.apiKey), "model": .string(fake.model),
            "retry_initial_delay": "10ms",
        ]
        section.merge(options) { _, given in given }
        let config = try ConfigSection(JSONValue.object(section).configNode(path: "backends.assistant", file: "test.yaml"))
        return try BackendRegistry([OpenAIBackendFactory()]).makeBackend(
            name: "assistant", config: config, environment: FactoryEnvironment(transport: transport, logger: logs.logger(label: "openai"))
        )
    }

    static func request(_ query: String, history: String? = nil) -> BackendRequest {
        let event = ChatEvent(
            id: "generic:m-\(UUID().uuidString)", platform: "generic", bot: "app", conversation: Conversation(id: "c-1", type: .direct),
            sender: Participant(id: "u-1"), text: query, timestamp: Date()
        )
        return BackendRequest(query: query, user: "generic:app:u-1", conversationID: history, route: "direct", scope: "assistant|app|user:u-1", event: event)
    }

    /// The answer's text and the history it asks the engine to keep.
    static func answer(_ backend: any ChatBackend, _ request: BackendRequest) async throws -> (text: String, history: String?, ended: Bool) {
        var reply = Reply()
        var history: String?
        var ended = false
        for try await chunk in backend.respond(to: request) {
            reply.apply(chunk)
            if case .conversation(let id) = chunk { history = id }
            if case .end = chunk { ended = true }
        }
        return (reply.markdown, history, ended)
    }

    @Test func anAnswerStreamsAndItsTurnIsSentWithTheNextQuestion() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            let backend = try Self.backend(fake, options: ["system_prompt": "你是助手。", "temperature": "0.3", "max_tokens": 256])
            let first = try await Self.answer(backend, Self.request("你好"))
            #expect(first.text == "You said: 你好" && first.ended)
            let second = try await Self.answer(backend, Self.request("再说一遍", history: first.history))
            #expect(second.text == "You said: 再说一遍")
            let call = fake.calls[1]
            #expect(call["model"] == .string("test-model") && call["stream"] == .bool(true))
            #expect(call["temperature"] == .number(0.3) && call["max_tokens"] == .number(256))
            #expect(call["user"] == .string("generic:app:u-1"))
            #expect(fake.messages(ofCall: 1).map { "\($0.role): \($0.content)" } == [
                "system: 你是助手。", "user: 你好", "assistant: You said: 你好", "user: 再说一遍",
            ])
        }
    }

    @Test func historyIsBoundedByTurnsAndCharacters() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            let backend = try Self.backend(fake, options: ["history_turns": 2])
            var history: String?
            for question in ["one", "two", "three"] {
                history = try await Self.answer(backend, Self.request(question, history: history)).history
            }
            _ = try await Self.answer(backend, Self.request("four", history: history))
            #expect(fake.messages(ofCall: 3).map(\.content) == ["two", "You said: two", "three", "You said: three", "four"])

            let tight = try Self.backend(fake, options: ["history_characters": 30])
            let long = try await Self.answer(tight, Self.request(String(repeating: "长", count: 40))).history
            _ = try await Self.answer(tight, Self.request("short", history: long))
            #expect(fake.messages(ofCall: 5).map(\.content) == ["short"], "a turn over the budget is not kept")

            let none = try Self.backend(fake, options: ["history_turns": 0])
            #expect(try await Self.answer(none, Self.request("x")).history == nil)
        }
    }

    @Test func aRefusedKeyIsTheFallbackTextAndALineNamingTheKey() async throws {
        try await FakeOpenAIServer.withRunning(apiKey: "sk-right-0123456789") { fake in
            let logs = LogCapture()
            let config = try ConfigSection(JSONValue.object([
                "type": "openai", "base_url": .string(fake.baseURL), "api_key": "sk-wrong-0123456789", "model": "test-model", "retry_initial_delay": "10ms",
            ]).configNode(path: "backends.assistant", file: "test.yaml"))
            let backend = try BackendRegistry([OpenAIBackendFactory()]).makeBackend(
                name: "assistant", config: config, environment: FactoryEnvironment(transport: Self.transport, logger: logs.logger(label: "openai"))
            )
            let answer = try await Self.answer(backend, Self.request("hi"))
            #expect(answer.text.hasPrefix("抱歉，暂时无法回答") && answer.ended && answer.history == nil)
            #expect(fake.calls.isEmpty, "refused before the body was read: no retry")
            #expect(logs.messages.contains { $0.contains("refused the key of backend assistant") && $0.contains("check backends.assistant.api_key") })
            #expect(!logs.messages.joined().contains("sk-wrong"), "the key is never logged")
        }
    }

    @Test func aRateLimitOrServerErrorBeforeAnyTextIsRetried() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            fake.enqueue(.status(429, message: "Rate limit reached"), .status(503, message: "overloaded"))
            let logs = LogCapture()
            let answer = try await Self.answer(try Self.backend(fake, logs: logs), Self.request("hi"))
            #expect(answer.text == "You said: hi")
            #expect(fake.calls.count == 3)
            #expect(logs.messages.filter { $0.contains("retry") }.count == 2)

            fake.enqueue(.status(500, message: "a"), .status(500, message: "b"), .status(500, message: "c"))
            let gaveUp = try await Self.answer(try Self.backend(fake), Self.request("hi"))
            #expect(gaveUp.text.hasPrefix("抱歉"), "retries: 2, then the fallback")
        }
    }

    @Test func picturesGoAsImageURLPartsWithTheTextFirstAndOtherFilesAreLeftOut() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x01])
            var request = Self.request("")
            request.attachments = [
                MediaFile(kind: .image, name: "image.png", mimeType: "image/png", size: png.count, content: .bytes(png)),
                MediaFile(kind: .file, name: "a.pdf", mimeType: "application/pdf", size: 5, content: .bytes(Data("%PDF-".utf8))),
            ]
            let logs = LogCapture()
            _ = try await Self.answer(try Self.backend(fake, logs: logs), request)
            let content = try #require(fake.calls.first?["messages"]?.array?.last?["content"]?.array)
            #expect(content == [
                ["type": "text", "text": "请描述这张图片。"],
                ["type": "image_url", "image_url": ["url": .string("data:image/png;base64,\(png.base64EncodedString())")]],
            ])
            #expect(logs.messages.contains { $0.contains("a.pdf") && $0.contains("pictures only") })

            _ = try await Self.answer(try Self.backend(fake), Self.request("no pictures"))
            #expect(fake.calls.last?["messages"]?.array?.last?["content"] == "no pictures")
        }
    }

    @Test func aStreamCutAfterTextKeepsTheTextAndSaysSo() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            fake.enqueue(.cut(content: ["The first half"]))
            let answer = try await Self.answer(try Self.backend(fake), Self.request("hi"))
            #expect(answer.text.hasPrefix("The first half") && answer.text.contains("The answer was cut off"))
            #expect(answer.history == nil, "a broken answer is not kept as history")
            #expect(fake.calls.count == 1, "text was shown: not asked again")
        }
    }

    @Test func reasoningIsHiddenUnlessAsked() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            fake.enqueue(.stream(reasoning: ["Let me think.\n", "Yes."], content: ["42"]), .stream(reasoning: ["Let me think."], content: ["42"]))
            #expect(try await Self.answer(try Self.backend(fake), Self.request("q")).text == "42")
            let shown = try await Self.answer(try Self.backend(fake, options: ["show_thinking": true]), Self.request("q"))
            #expect(shown.text == "> Let me think.\n\n42")
        }
    }

    @Test func checkOnlineSaysWhetherTheKeyAndTheModelWork() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            #expect(await (try Self.backend(fake)).checkOnline().status == .reachable)
            let unknown = await (try Self.backend(fake, options: ["model": "gpt-9"])).checkOnline()
            #expect(unknown.status == .reachable && unknown.detail.contains("does not list gpt-9"))
            #expect(await (try Self.backend(fake, options: ["api_key": "sk-nope-0123456789"])).checkOnline().status == .keyRejected)
        }
        let unreachable = try Self.backendAt("http://127.0.0.1:1/v1")
        #expect(await unreachable.checkOnline().status == .unreachable)
    }

    static func backendAt(_ url: String) throws -> any ChatBackend {
        let config = try ConfigSection(JSONValue.object(["type": "openai", "base_url": .string(url), "model": "m"]).configNode(path: "backends.assistant", file: "test.yaml"))
        return try BackendRegistry([OpenAIBackendFactory()]).makeBackend(
            name: "assistant", config: config, environment: FactoryEnvironment(transport: transport, logger: Logger(label: "openai"))
        )
    }

    @Test func badSettingsAreOneLineNamingTheKey() throws {
        for (options, expected) in [
            (["model": JSONValue.null], "backends.assistant.model"),
            (["temperature": "hot"], "backends.assistant.temperature: must be a number from 0 to 2"),
            (["history_turns": 1000], "backends.assistant.history_turns"),
            (["modle": "x"], "backends.assistant.modle"),
        ] as [([String: JSONValue], String)] {
            var section: [String: JSONValue] = ["type": "openai", "base_url": "http://127.0.0.1:1/v1", "model": "m"]
            for (key, value) in options {
                if value == .null { section[key] = nil } else { section[key] = value }
            }
            #expect(throws: ConfigError.self) { try Self.backendSection(section) }
            do { try Self.backendSection(section) } catch { #expect("\(error)".contains(expected), "\(error)") }
        }
    }

    static func backendSection(_ section: [String: JSONValue]) throws {
        let config = try ConfigSection(JSONValue.object(section).configNode(path: "backends.assistant", file: "test.yaml"))
        _ = try BackendRegistry([OpenAIBackendFactory()]).makeBackend(
            name: "assistant", config: config, environment: FactoryEnvironment(transport: transport, logger: Logger(label: "openai"))
        )
    }
}
