import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// No Dify needed: `serve` with `type: openai` against a local OpenAI-compatible server, the
/// conversation kept by Switchboard and `/reset` starting it over.
@Suite("serve with an OpenAI-compatible backend", .timeLimit(.minutes(5)))
struct OpenAIServeTests {
    static let secret = "openai-serve-secret-0123456789"

    @Test func aConversationContinuesAndResetsThroughTheRealBinary() async throws {
        try await FakeOpenAIServer.withRunning { fake in
            try await LoopbackServer.withRunning { callback in
                let directory = try scratchDirectory()
                try """
                    backends:
                      assistant: {type: openai, base_url: "\(fake.baseURL)", api_key: "${OPENAI_KEY}", model: \(fake.model), system_prompt: 简洁回答}
                    bots: {app: {platform: generic, secret: "\(Self.secret)", callback_url: "\(callback.url)/reply"}}
                    """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
                let environment = ["SWITCHBOARD_CONFIG": "", "OPENAI_KEY": fake.apiKey]
                let check = try await CLIProcess.runAsync(["check", "--online"], in: directory, environment: environment)
                #expect(check.status == 0 && (check.stdout + check.stderr).contains("assistant: reachable"), "\(check.stdout) \(check.stderr)")
                let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: environment)
                let client = GenericClient(port: try await server.port(), secret: Self.secret)
                for (index, text) in ["第一个问题", "第二个问题", "/reset", "第三个问题"].enumerated() {
                    #expect(try await client.post(GenericClient.message("m-\(index)", text)) == 200)
                    _ = try await callback.waitForRequests(count: index + 1, timeout: .seconds(30))
                }
                let replies = callback.requests.compactMap { request -> String? in
                    ((try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any]).flatMap { ($0["reply"] as? [String: Any])?["markdown"] as? String }
                }
                #expect(replies.first == "You said: 第一个问题", "\(replies)")
                #expect(fake.calls.count == 3)
                #expect(fake.messages(ofCall: 1).map(\.content) == ["简洁回答", "第一个问题", "You said: 第一个问题", "第二个问题"])
                #expect(fake.messages(ofCall: 2).map(\.content) == ["简洁回答", "第三个问题"], "/reset forgot the history")
                #expect(try await server.terminate() == 0)
            }
        }
    }
}
