import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting
import Testing

/// `record:` never slows or fails a webhook: a folder that cannot be made stops recording, and
/// the bot goes on answering.
@Suite("Recording", .timeLimit(.minutes(5)))
struct RecordingTests {
    @Test func aRecordingThatCannotBeWrittenStopsAndTheWebhooksGoOn() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A file where the recording's folder would be: no folder can be made under it.
        let blocker = scratch.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        let logs = LogCapture()
        try await LoopbackServer.withRunning { callback in
            let yaml = """
                bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
                engine: {poll_interval: 50ms}
                record: {dir: "\(blocker.path)/recordings", max_files: 5}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: ["APP_SECRET": RunningSwitchboard.secret], logs: logs) { server in
                for index in 1...3 {
                    #expect(try await server.post(RunningSwitchboard.message("m\(index)", "第\(index)条")).status == 200)
                }
                let answers = try Callback.all(try await callback.waitForRequests(count: 3))
                #expect(Set(answers.map(\.markdown)) == ["第1条", "第2条", "第3条"])
            }
        }
        // The recorder tried, said once that it stops, and said where.
        let stops = logs.messages.filter { $0.contains("cannot write the recording") }
        #expect(stops.count == 1)
        #expect(stops.first?.contains("recording stops (the webhooks go on)") == true)
    }

    /// A scanner's requests — wrong signatures, a bot that does not exist — are not recorded: they
    /// would use up `max_files` before the first real message. Nor are the generic adapter's
    /// signature or a proxy's forwarding headers; the signature is kept only where the adapter
    /// needs it to open the case again.
    @Test func onlyAuthenticatedRequestsAreRecordedWithoutForwardingHeaders() async throws {
        let recordings = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: recordings) }
        try await Self.recording(into: recordings) { server, callback in
            for index in 1...20 {
                let junk = RunningSwitchboard.message("junk\(index)", "猜")
                #expect(try await server.post(junk, signature: "v1=\(String(repeating: "0", count: 64))").status == 401)
                #expect(try await server.post(bot: "nobody", junk).status == 404)
            }
            let body = RunningSwitchboard.message("m1", "真的")
            var headers = GenericSignature(secret: RunningSwitchboard.secret).headers(for: body, now: Date())
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.77"
            headers[HTTPField.Name("X-Real-IP")!] = "203.0.113.77"
            let answer = try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/app", headers: headers, body: body))
            #expect(answer.status == 200)
            _ = try await callback.waitForRequests(count: 1)
        }
        let folder = recordings.appendingPathComponent("app")
        let cases = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        try #require(cases.count == 1, "only the signed message is recorded")
        let request = try String(contentsOf: folder.appendingPathComponent(cases[0]).appendingPathComponent("request.json"), encoding: .utf8)
        #expect(!request.contains("203.0.113.77"))
        #expect(!request.localizedCaseInsensitiveContains("x-forwarded-for"))
        #expect(request.localizedCaseInsensitiveContains("content-type"))
        let recordedBody = try Data(contentsOf: folder.appendingPathComponent(cases[0]).appendingPathComponent("body.json"))
        #expect(String(decoding: recordedBody, as: UTF8.self).contains("真的"))
    }

    @Test func recordingStopsAtMaxFiles() async throws {
        let recordings = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: recordings) }
        try await Self.recording(into: recordings) { server, callback in
            for index in 1...4 {
                #expect(try await server.post(RunningSwitchboard.message("m\(index)", "第\(index)条")).status == 200)
            }
            _ = try await callback.waitForRequests(count: 4)
        }
        let cases = try FileManager.default.contentsOfDirectory(atPath: recordings.appendingPathComponent("app").path)
        #expect(cases.count == 2)
    }

    /// A generic bot `app` answering to a loopback callback, recording into `recordings` (two
    /// cases at most).
    static func recording(into recordings: URL, _ body: (RunningSwitchboard, LoopbackServer) async throws -> Void) async throws {
        try await LoopbackServer.withRunning { callback in
            let yaml = """
                bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
                engine: {poll_interval: 50ms}
                record: {dir: "\(recordings.path)", max_files: 2}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: ["APP_SECRET": RunningSwitchboard.secret]) { server in
                try await body(server, callback)
            }
        }
    }
}
