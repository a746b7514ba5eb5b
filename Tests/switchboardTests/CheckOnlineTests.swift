import Foundation
import SwitchboardTesting
import Testing

@Suite("switchboard check --online", .timeLimit(.minutes(5)))
struct CheckOnlineTests {
    func checkOnline(_ yaml: String, environment: [String: String]) async throws -> CLIProcess.Output {
        let directory = try scratchDirectory()
        try yaml.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
        return try await CLIProcess.runAsync(["check", "--online", "--config", "switchboard.yaml"], in: directory, environment: environment)
    }

    @Test func reportsEachBackendAndFailsWhenOneIsWrong() async throws {
        try await FakeDifyServer.withRunning(mode: "advanced-chat") { dify in
            let yaml = """
                backends:
                  helpdesk: {type: dify, base_url: "\(dify.rootURL)", api_key: "${GOOD_KEY}", app: chatflow}
                  stale: {type: dify, base_url: "\(dify.baseURL)", api_key: "${OLD_KEY}", app: chatflow}
                  typo: {type: dify, base_url: "\(dify.baseURL)", api_key: "${GOOD_KEY}", app: workflow}
                  demo: {type: echo}
                routes:
                  - {name: all, backend: helpdesk}
                """
            let output = try await checkOnline(yaml, environment: ["GOOD_KEY": dify.apiKey, "OLD_KEY": "app-RevokedKey42"])
            #expect(output.status != 0)
            #expect(output.stderr.contains("helpdesk: reachable [ok]"), "\(output.stderr)")
            #expect(output.stderr.contains("stale: key_rejected [FAILED] Dify rejected the API key of backend stale"))
            #expect(output.stderr.contains("typo: wrong_app_type [FAILED] Dify says app \"Fake app\" is app: chatflow, but backends.typo.app is workflow"))
            #expect(output.stderr.contains("demo: not_checked [-]"))
            #expect(!output.stderr.contains("RevokedKey42"))
            #expect(!output.stderr.contains(dify.apiKey))
            let good = try await checkOnline(
                "backends:\n  helpdesk: {type: dify, base_url: \"\(dify.baseURL)\", api_key: \"${GOOD_KEY}\", app: chatflow}\n",
                environment: ["GOOD_KEY": dify.apiKey]
            )
            #expect(good.status == 0, "\(good.stderr)")
        }
    }
}
