import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// `record:` never slows or fails a webhook: a folder that cannot be made stops recording, and
/// the bot goes on answering.
@Suite("Recording")
struct RecordingTests {
    @Test func aRecordingThatCannotBeWrittenStopsAndTheWebhooksGoOn() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // A file where the recording's folder would be: no folder can be made under it.
        let blocker = scratch.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        try await LoopbackServer.withRunning { callback in
            let yaml = """
                bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
                engine: {poll_interval: 50ms}
                record: {dir: "\(blocker.path)/recordings", max_files: 5}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: ["APP_SECRET": RunningSwitchboard.secret]) { server in
                for index in 1...3 {
                    #expect(try await server.post(RunningSwitchboard.message("m\(index)", "第\(index)条")).status == 200)
                }
                _ = try await callback.waitForRequests(count: 3)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: blocker.path + "/recordings"))
        try? FileManager.default.removeItem(at: scratch)
    }

    @Test func recordingStopsAtMaxFiles() async throws {
        let recordings = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString)")
        try await LoopbackServer.withRunning { callback in
            let yaml = """
                bots: {app: {platform: generic, secret: "${APP_SECRET}", callback_url: "\(callback.url)/reply"}}
                engine: {poll_interval: 50ms}
                record: {dir: "\(recordings.path)", max_files: 2}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: ["APP_SECRET": RunningSwitchboard.secret]) { server in
                for index in 1...4 {
                    #expect(try await server.post(RunningSwitchboard.message("m\(index)", "第\(index)条")).status == 200)
                }
                _ = try await callback.waitForRequests(count: 4)
            }
        }
        let cases = try FileManager.default.contentsOfDirectory(atPath: recordings.appendingPathComponent("app").path)
        #expect(cases.count == 2)
        try? FileManager.default.removeItem(at: recordings)
    }
}
