import Foundation
import SwitchboardCore
import SwitchboardDify
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The generic adapter, a Dify backend and a fake Dify, all over real HTTP, the state in SQLite.
@Suite("Dify end to end", .timeLimit(.minutes(5)))
struct DifyEndToEndTests {
    @Test func theConversationSurvivesARestartAndResetStartsANewOne() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dify-e2e-\(UUID().uuidString)/state.sqlite").path
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            try await LoopbackServer.withRunning { callback in
                let yaml = """
                    backends:
                      helpdesk: {type: dify, base_url: "\(dify.baseURL)", api_key: "${DIFY_API_KEY}", app: chat}
                    bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
                    engine: {poll_interval: 100ms}
                    """
                let environment = ["APP_SECRET": RunningSwitchboard.secret, "DIFY_API_KEY": dify.apiKey]
                func serve(_ turns: [(id: String, text: String)], expecting total: Int) async throws {
                    try await RunningSwitchboard.run(
                        yaml: yaml, environment: environment, backends: [DifyBackendFactory()], store: try SQLiteStateStore.open(path: path)
                    ) { server in
                        var seen = callback.requests.count
                        for turn in turns {
                            // One after the other, as a person types.
                            #expect(try await server.post(RunningSwitchboard.message(turn.id, turn.text)).status == 200)
                            seen += 1
                            _ = try await callback.waitForRequests(count: seen)
                        }
                    }
                    #expect(callback.requests.count == total)
                }
                try await serve([("m-1", "我的工号是 1024"), ("m-2", "记住了吗？")], expecting: 2)
                try await serve([("m-3", "我的工号是多少？"), ("m-4", "/reset"), ("m-5", "你好")], expecting: 5)

                let replies = try Callback.all(callback.requests).map(\.markdown)
                #expect(replies[0] == "You said: 我的工号是 1024")
                #expect(replies[2] == "You said: 我的工号是多少？")
                #expect(replies[3].contains("new conversation"))
                #expect(replies[4] == "You said: 你好")

                let calls = dify.calls
                #expect(calls.count == 4)
                let first = try #require(calls.count == 4 ? calls[1].conversationID : nil)
                #expect(UUID(uuidString: first) != nil)
                // Turn 1 starts a conversation, turns 2 and 3 (after the restart) continue it,
                // the turn after /reset starts another.
                #expect(calls.map(\.conversationID) == ["", first, first, ""])
                #expect(calls.allSatisfy { $0.user == "generic:app:u-1" && $0.responseMode == "streaming" })
            }
        }
    }
}
