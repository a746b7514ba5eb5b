import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Synchronization
import Testing

@Suite("Restart", .timeLimit(.minutes(5)))
struct RestartTests {
    @Test func theBackendConversationContinuesAfterARestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(UUID().uuidString)/state.sqlite").path
        let issued = Mutex<[String]>([])
        // Like Dify: a new conversation gets a fresh UUID; a known one is continued.
        let backend = ScriptedBackend { request in
            let id = request.conversationID ?? UUID().uuidString.lowercased()
            if request.conversationID == nil { issued.withLock { $0.append(id) } }
            return [.conversation(id), .delta("ok"), .end]
        }
        let yaml = """
            backends: {dify: {type: dify-like}}
            bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "CALLBACK/reply"}}
            engine: {poll_interval: 100ms}
            """
        try await LoopbackServer.withRunning { callback in
            let config = yaml.replacingOccurrences(of: "CALLBACK", with: callback.url)
            let environment = ["APP_SECRET": RunningSwitchboard.secret]
            let factory = ScriptedBackendFactory(type: "dify-like", backend: backend)
            try await RunningSwitchboard.run(yaml: config, environment: environment, backends: [factory], store: try SQLiteStateStore.open(path: path)) { server in
                #expect(try await server.post(RunningSwitchboard.message("m-1", "我的工号是 1024")).status == 200)
                _ = try await callback.waitForRequests(count: 1)
            }
            try await RunningSwitchboard.run(yaml: config, environment: environment, backends: [factory], store: try SQLiteStateStore.open(path: path)) { server in
                #expect(try await server.post(RunningSwitchboard.message("m-2", "我的工号是多少？")).status == 200)
                _ = try await callback.waitForRequests(count: 2)
            }
        }
        let first = try #require(issued.withLock { $0 }.first)
        #expect(issued.withLock { $0 } == [first], "a second conversation was started")
        #expect(backend.requests.map(\.conversationID) == [nil, first])
    }
}
