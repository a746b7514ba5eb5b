import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Testing

@Suite("switchboard serve")
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
}
