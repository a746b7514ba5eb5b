import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Testing

@Suite("switchboard serve", .timeLimit(.minutes(5)))
struct ServeCommandTests {
    @Test func startsWithNoConfigurationAndStopsCleanlyOnSIGTERM() async throws {
        let directory = try scratchDirectory()
        let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": "", "SWITCHBOARD_LOCAL_SECRET": ""])
        let port = try await server.port()
        let response = try await AsyncHTTPClientTransport().execute(OutboundRequest(method: .get, url: "http://127.0.0.1:\(port)/healthz"))
        #expect(response.status == .ok)
        #expect(server.output.contains("bot local (generic): http://127.0.0.1:\(port)/webhooks/local"))
        // The generated secret is kept for the next start, readable by the owner only, and never printed.
        let secretFile = directory.appendingPathComponent(".switchboard/local-secret")
        let secret = try String(contentsOf: secretFile, encoding: .utf8)
        #expect(secret.count == 64)
        #expect(try FileManager.default.attributesOfItem(atPath: secretFile.path)[.posixPermissions] as? Int == 0o600)
        #expect(!server.output.contains(secret))
        #expect(try await server.terminate() == 0)
    }

    @Test func aJobInFlightAtSIGTERMStillGetsItsReply() async throws {
        try await LoopbackServer.withRunning { callback in
            let directory = try scratchDirectory()
            let secret = "serve-test-secret-0123456789"
            try """
                backends: {slow: {type: echo, delay_ms: 400}}
                bots: {app: {platform: generic, secret: "\(secret)", callback_url: "\(callback.url)/reply"}}
                """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
            let port = try await server.port()
            let body = Data(#"{"id":"m-1","platform":"generic","conversation":{"id":"c","type":"direct"},"sender":{"id":"u"},"text":"bye","timestamp":1}"#.utf8)
            var headers = GenericSignature(secret: secret).headers(for: body, now: Date())
            headers[.contentType] = "application/json"
            let response = try await AsyncHTTPClientTransport().execute(
                OutboundRequest(method: .post, url: "http://127.0.0.1:\(port)/webhooks/app", headers: headers, body: body)
            )
            #expect(response.status == .ok)
            #expect(try await server.terminate() == 0)
            #expect(callback.requests.count == 1, "\(server.output)")
            #expect(server.output.contains("draining"))
        }
    }

    @Test("SIGTERM with nothing in flight does not wait for a platform call that hangs (a Feishu token request to a host that never answers): outbound calls are cancelled")
    func shutdownCancelsOutboundCalls() async throws {
        // A host that takes the connection and never answers.
        try await LoopbackServer.withRunning(streaming: { _ in LoopbackResponse(headDelay: .seconds(120)) }) { silent in
            let directory = try scratchDirectory()
            try """
                bots:
                  fs: {platform: feishu, app_id: cli_a1b2c3d4e5f6a7b8, app_secret: fakeAppSecretXXXXXXXXXXXXXXXXXXX, verification_token: v3rIfIcAtIoNtOkEnFaKe000, host: "\(silent.url)"}
                """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
            _ = try await server.port()
            _ = try await silent.waitForRequests(count: 1)
            let stopping = ContinuousClock.now
            #expect(try await server.terminate() == 0)
            let took = ContinuousClock.now - stopping
            #expect(took < .seconds(8), "shutdown took \(took)")
            #expect(!server.output.contains("CancellationError"), "a cancelled call is not a warning")
        }
    }
}
