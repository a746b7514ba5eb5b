import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// `switchboard check --online`, one backend at a time.
@Suite("Dify online check", .timeLimit(.minutes(5)))
struct DifyOnlineCheckTests {
    @Test("the right key and app type: reachable")
    func reachable() async throws {
        try await FakeDifyServer.withRunning(mode: "advanced-chat") { dify in
            let check = await (try DifyTest.backend(dify, app: "chatflow")).checkOnline()
            #expect(check.status == .reachable)
            #expect(check.detail.contains("Fake app"))
        }
    }

    @Test("a wrong key: key rejected, without the key in the report")
    func keyRejected() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let check = await (try DifyTest.backend(dify, app: "chat", options: ["api_key": "app-NotTheRightOne"])).checkOnline()
            #expect(check.status == .keyRejected)
            #expect(check.detail.contains("backends.helpdesk.api_key"))
            #expect(!check.detail.contains("NotTheRightOne"))
        }
    }

    @Test("an app of another type: wrong app type, saying which it is")
    func wrongType() async throws {
        try await FakeDifyServer.withRunning(mode: "agent-chat") { dify in
            let check = await (try DifyTest.backend(dify, app: "chat")).checkOnline()
            #expect(check.status == .wrongAppType)
            #expect(check.detail.contains("app: agent"))
            #expect(check.detail.contains("fix backends.helpdesk.app"))
        }
    }

    @Test("an older Dify without /info is checked through /parameters")
    func parametersFallback() async throws {
        try await FakeDifyServer.withRunning(mode: "chat", hasInfo: false) { dify in
            let good = await (try DifyTest.backend(dify, app: "chat")).checkOnline()
            #expect(good.status == .reachable)
            #expect(good.detail.contains("without /info"))
            let bad = await (try DifyTest.backend(dify, app: "chat", options: ["api_key": "app-wrong"])).checkOnline()
            #expect(bad.status == .keyRejected)
        }
    }

    @Test("nothing listening: unreachable")
    func unreachable() async throws {
        let backend = try DifyTest.backend(section: [
            "type": "dify", "base_url": "http://127.0.0.1:1", "api_key": "app-x", "app": "chat", "timeouts": .object(["connect": "2s"]),
        ])
        let check = await backend.checkOnline()
        #expect(check.status == .unreachable)
        #expect(check.detail.contains("backends.helpdesk.base_url"))
    }
}
