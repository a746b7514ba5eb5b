import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// A signed generic event travels webhook ▸ adapter ▸ engine ▸ router ▸ backend ▸ delivery, through
/// the real server, to a loopback callback server.
@Suite("End to end", .timeLimit(.minutes(5)))
struct EndToEndTests {
    static func config(callback: String, backend: String = "{type: echo}") -> String {
        """
        backends:
          main: \(backend)
        bots:
          app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback)/reply"}
        engine: {poll_interval: 100ms, retry_initial_delay: 100ms}
        """
    }

    @Test func aSignedEventIsAnsweredAtTheCallback() async throws {
        try await LoopbackServer.withRunning { callback in
            try await RunningSwitchboard.run(yaml: Self.config(callback: callback.url), environment: ["APP_SECRET": RunningSwitchboard.secret]) { server in
                let response = try await server.post(RunningSwitchboard.message("m-1", "年假还有几天？"))
                #expect(response.status == 200)
                let replies = try Callback.all(try await callback.waitForRequests(count: 1))
                #expect(replies.map(\.eventID) == ["app:m-1"])
                #expect(replies.map(\.markdown) == ["年假还有几天？"])
                #expect(callback.requests.first?.path == "/reply")
            }
        }
    }

    @Test func aRedeliveryIsAckedButNotAnsweredAgain() async throws {
        try await LoopbackServer.withRunning { callback in
            try await RunningSwitchboard.run(yaml: Self.config(callback: callback.url), environment: ["APP_SECRET": RunningSwitchboard.secret]) { server in
                #expect(try await server.post(RunningSwitchboard.message("m-1", "first")).status == 200)
                _ = try await callback.waitForRequests(count: 1)
                #expect(try await server.post(RunningSwitchboard.message("m-1", "first")).status == 200)
                // A later message of the same conversation is answered after anything queued before
                // it, so when its reply is in, a second answer to m-1 would be too.
                #expect(try await server.post(RunningSwitchboard.message("m-2", "second")).status == 200)
                _ = try await callback.waitForRequests(count: 2)
                #expect(try Callback.all(callback.requests).map(\.eventID) == ["app:m-1", "app:m-2"])
            }
        }
    }

    @Test func aTamperedRequestIsRefusedAndNothingIsAccepted() async throws {
        try await LoopbackServer.withRunning { callback in
            try await RunningSwitchboard.run(yaml: Self.config(callback: callback.url), environment: ["APP_SECRET": RunningSwitchboard.secret]) { server in
                let forged = try await server.post(RunningSwitchboard.message("m-1", "pay me"), secret: "not-the-secret-0123456789")
                #expect(forged.status == 401)
                #expect(forged.body.hasPrefix("signature mismatch"))
                let unsigned = try await server.post(RunningSwitchboard.message("m-2", "x"), signature: "sha256=00")
                #expect(unsigned.status == 401)
                #expect(try await server.post(RunningSwitchboard.message("m-3", "real")).status == 200)
                _ = try await callback.waitForRequests(count: 1)
                #expect(try Callback.all(callback.requests).map(\.eventID) == ["app:m-3"])
            }
        }
    }

    @Test func aSlowBackendDoesNotDelayTheAck() async throws {
        // "take your time" is two chunks, 5 s before each: ten seconds in all.
        let yaml = Self.config(callback: "CALLBACK", backend: "{type: echo, delay_ms: 5000}")
        try await LoopbackServer.withRunning { callback in
            try await RunningSwitchboard.run(
                yaml: yaml.replacingOccurrences(of: "CALLBACK", with: callback.url), environment: ["APP_SECRET": RunningSwitchboard.secret]
            ) { server in
                let response = try await server.post(RunningSwitchboard.message("m-1", "take your time"))
                #expect(response.status == 200)
                #expect(callback.requests.isEmpty, "the webhook answered only after the reply was sent")
                let replies = try Callback.all(try await callback.waitForRequests(count: 1, timeout: .seconds(60)))
                #expect(replies.map(\.markdown) == ["take your time"])
            }
        }
    }

    @Test func interleavedConversationsAreEachAnsweredInOrder() async throws {
        let gate = TestGate()
        // Messages starting with "wait" block until the test opens the gate.
        let backend = ScriptedBackend { request in
            if request.query.hasPrefix("wait") { await gate.wait() }
            return [.delta(request.query), .end]
        }
        let yaml = Self.config(callback: "CALLBACK", backend: "{type: gated}")
        try await LoopbackServer.withRunning { callback in
            try await RunningSwitchboard.run(
                yaml: yaml.replacingOccurrences(of: "CALLBACK", with: callback.url),
                environment: ["APP_SECRET": RunningSwitchboard.secret],
                backends: [ScriptedBackendFactory(type: "gated", backend: backend)]
            ) { server in
                let sends = [("a1", "A", "wait a1"), ("b1", "B", "b1"), ("a2", "A", "a2"), ("b2", "B", "b2"), ("a3", "A", "a3"), ("b3", "B", "b3")]
                for (id, chat, text) in sends {
                    #expect(try await server.post(RunningSwitchboard.message(id, text, chat: chat)).status == 200)
                }
                // B is answered while A's first message is still being worked on...
                _ = try await callback.waitForRequests(count: 3)
                // (A's jobs wait at the gate: none of them can answer before it opens.)
                #expect(try Callback.all(callback.requests).map(\.eventID) == ["app:b1", "app:b2", "app:b3"])
                // ...and nothing of A overtakes it.
                gate.open()
                _ = try await callback.waitForRequests(count: 6)
                let a = try Callback.all(callback.requests).filter { $0.eventID.hasPrefix("app:a") }
                #expect(a.map(\.eventID) == ["app:a1", "app:a2", "app:a3"])
                #expect(a.map(\.markdown) == ["wait a1", "a2", "a3"])
            }
        }
    }

    @Test func theHTTPSurface() async throws {
        try await RunningSwitchboard.run(yaml: Self.config(callback: "http://127.0.0.1:9"), environment: ["APP_SECRET": RunningSwitchboard.secret]) { server in
            #expect(try await server.get("/healthz") == (200, "ok\n"))
            #expect(try await server.get("/readyz").status == 200)
            #expect(try await server.get("/webhooks/nobody").status == 404)
            #expect(try await server.get("/webhooks/app").status == 405)
            let huge = Data(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)
            let tooLarge = try await server.post(huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.body.contains("larger than 1048576 bytes"))
        }
    }
}
