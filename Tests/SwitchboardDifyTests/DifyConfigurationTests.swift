import Foundation
import SwitchboardCore
@testable import SwitchboardDify
import SwitchboardTesting
import Testing

/// Config mistakes are caught when the server starts, named by key, never showing a secret.
@Suite("Dify configuration", .timeLimit(.minutes(5)))
struct DifyConfigurationTests {
    static let base: [String: JSONValue] = [
        "type": "dify", "base_url": "https://api.dify.ai/v1", "api_key": "app-SecretValue123", "app": "chat",
    ]

    static func error(_ changes: [String: JSONValue]) -> String? {
        var section = base
        for (key, value) in changes {
            if case .null = value { section[key] = nil } else { section[key] = value }
        }
        do {
            _ = try DifyTest.backend(section: section)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("each mistake names the key and says what is wanted")
    func mistakes() {
        let cases: [([String: JSONValue], String)] = [
            (["api_key": .null], "backends.helpdesk.api_key: is required"),
            (["base_url": "api.dify.ai"], "backends.helpdesk.base_url: must be an absolute http:// or https:// URL"),
            (["app": "chatbot"], "backends.helpdesk.app: must be one of chat, chatflow, agent, workflow, completion"),
            (["app": "agent", "response_mode": "blocking"], "backends.helpdesk.response_mode: agent apps only stream"),
            (["response_mode": "sse"], "backends.helpdesk.response_mode: must be streaming or blocking"),
            (["inputs": .object(["who": "{{sender.email}}"])], "backends.helpdesk.inputs.who: unknown placeholder {{sender.email}}"),
            (["timeouts": .object(["first_token": "30s"])], "backends.helpdesk.timeouts.first_token"),
            (["idle_reset": "soon"], "backends.helpdesk.idle_reset: must be a duration"),
            (["idle_reset": "0s"], "backends.helpdesk.idle_reset: must be more than 0"),
            (["timeouts": .object(["idle": "0s"])], "backends.helpdesk.timeouts.idle: must be more than 0"),
            (["retries": 50], "backends.helpdesk.retries"),
            (["api_secret": "x"], "backends.helpdesk.api_secret"),
        ]
        for (change, expected) in cases {
            let message = Self.error(change)
            #expect(message?.contains(expected) == true, "\(change): \(message ?? "no error")")
            #expect(message?.contains("SecretValue123") == false)
        }
    }

    @Test("a valid section with every option builds, and every value is read as written")
    func everything() throws {
        var section = Self.base
        section.merge([
            "base_url": "https://dify.internal/", "app": "workflow", "response_mode": "blocking",
            "inputs": .object(["lang": "zh", "who": "{{sender.name}} in {{chat.title}}"]), "query_input": "text",
            "output_key": "answer", "show_thinking": true, "show_agent_thoughts": true, "idle_reset": "2h", "fallback_text": "稍后再试",
            "timeouts": .object(["connect": "5s", "first_byte": "90s", "idle": "30s", "total": "10m"]), "retries": 3, "retry_initial_delay": "500ms",
        ]) { _, new in new }
        let backend = try #require(try DifyTest.backend(section: section) as? DifyBackend)
        let configuration = backend.configuration
        #expect(configuration.name == "helpdesk")
        #expect(configuration.baseURL == "https://dify.internal/v1")
        #expect(configuration.apiKey == "app-SecretValue123")
        #expect(configuration.app == .workflow)
        #expect(configuration.streaming == false)
        #expect(Set(configuration.inputs.keys) == ["lang", "who"])
        let event = DifyTest.event("hi")
        #expect(configuration.inputs["lang"]?.fill(from: event) == "zh")
        #expect(configuration.inputs["who"]?.fill(from: event) == "张三 in 研发群")
        #expect(configuration.queryInput == "text")
        #expect(configuration.outputKey == "answer")
        #expect(configuration.showThinking == true)
        #expect(configuration.showAgentThoughts == true)
        #expect(configuration.idleReset == .seconds(7200))
        #expect(configuration.fallbackText == "稍后再试")
        #expect(configuration.timeouts.connect == .seconds(5))
        #expect(configuration.timeouts.firstByte == .seconds(90))
        #expect(configuration.timeouts.idle == .seconds(30))
        #expect(configuration.timeouts.total == .seconds(600))
        #expect(configuration.retries == 3)
        #expect(configuration.retryInitialDelay == .milliseconds(500))
    }

    @Test("left out, every option has its documented default")
    func defaults() throws {
        let configuration = try #require(try DifyTest.backend(section: Self.base) as? DifyBackend).configuration
        #expect(configuration.baseURL == "https://api.dify.ai/v1")
        #expect(configuration.streaming && configuration.inputs.isEmpty && configuration.queryInput == "query" && configuration.outputKey == nil)
        #expect(!configuration.showThinking && !configuration.showAgentThoughts && configuration.idleReset == nil)
        #expect(configuration.fallbackText == DifyConfiguration.defaultFallback)
        #expect(configuration.timeouts.connect == .seconds(10) && configuration.timeouts.firstByte == .seconds(60))
        #expect(configuration.timeouts.idle == .seconds(60) && configuration.timeouts.total == .seconds(300))
        #expect(configuration.retries == 2 && configuration.retryInitialDelay == .seconds(1))
    }

    @Test("blocking mode on Dify Cloud warns about its 100-second cut-off")
    func cloudBlockingWarning() throws {
        let logs = LogCapture()
        var section = Self.base
        section["response_mode"] = "blocking"
        _ = try DifyTest.backend(section: section, logs: logs)
        #expect(logs.all.contains { $0.level == .warning && $0.message.contains("100 s") && $0.message.contains("backends.helpdesk.response_mode") })
    }
}
