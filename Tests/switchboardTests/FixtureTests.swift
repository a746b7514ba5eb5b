import Foundation
import SwitchboardCore
public import SwitchboardTesting
public import Testing

@testable import SwitchboardCLI

/// Every fixture case of every adapter, through the registry the binary ships.
@Suite("Fixtures", .timeLimit(.minutes(5)))
struct FixtureTests {
    static let loader = try! FixtureLoader()
    static let cases = try! loader.allCases()

    /// The cases the two parameterized tests run: a folder that moved would leave them empty.
    @Test func theCasesAreFound() throws {
        let byPlatform = Dictionary(grouping: Self.cases, by: \.platform).mapValues(\.count)
        let least = ["wecom": 39, "feishu": 29, "dingtalk": 18, "generic": 7]
        for (platform, count) in least {
            #expect(byPlatform[platform, default: 0] >= count, "\(platform): \(byPlatform)")
        }
    }

    @Test("every case matches its golden files", arguments: cases)
    func fixture(_ fixture: FixtureCase) async throws {
        let outcome = try await AdapterFixtureRunner(registry: SwitchboardCLI.plugins.adapters, loader: Self.loader).run(fixture)
        #expect(outcome.passed, "\(outcome)")
    }

    @Test func everyPlatformFolderHasAnAdapter() throws {
        for platform in try Self.loader.platforms() {
            let keys = try Self.loader.keys(platform: platform)
            for bot in keys.bots {
                #expect(SwitchboardCLI.plugins.adapters.factory(for: try keys.section(bot: bot.id).string("platform")) != nil, "\(platform) \(bot.id)")
            }
        }
    }

    /// `switchboard decode` prints the golden events for accepted cases and exits non-zero with
    /// the reason for rejected ones.
    @Test("decode reproduces the case", arguments: cases)
    func decode(_ fixture: FixtureCase) async throws {
        let directory = try scratchDirectory()
        let keys = try Self.loader.keys(platform: fixture.platform)
        // keys.json's config is JSON, and JSON is YAML.
        let config = try keys.bots.map { bot in "  \(bot.id): \(String(decoding: try JSONEncoder().encode(bot.config), as: UTF8.self))" }
        try ("bots:\n" + config.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        var arguments = ["decode", "--config", "c.yaml", "--bot", fixture.bot, "--now", String(fixture.request.now)]
        if fixture.request.streamFrame {
            arguments += ["--stream-frame", fixture.directory.appendingPathComponent(fixture.request.bodyFile ?? "").path]
        } else {
            arguments += ["--method", fixture.request.method, "--url", fixture.request.url]
            for (name, value) in fixture.request.headers.sorted(by: { $0.key < $1.key }) { arguments += ["--header", "\(name): \(value)"] }
            if let bodyFile = fixture.request.bodyFile { arguments += ["--body", fixture.directory.appendingPathComponent(bodyFile).path] }
        }
        let output = try await CLIProcess.runAsync(arguments, in: directory)

        let expectedStatus = fixture.expectedResponse?.status ?? 200
        if expectedStatus >= 400 {
            #expect(output.status != 0)
            #expect(output.stdout.isEmpty)
            #expect(output.stderr.contains("rejected: \(expectedStatus) \(fixture.expectedResponse?.body ?? "")"), "\(output.stderr)")
        } else {
            #expect(output.status == 0, "\(output.stderr)")
            if fixture.request.streamFrame {
                let summary = try EventJSON.decode(StreamFrameSummary.self, from: Data(output.stdout.utf8))
                #expect(summary.reply == fixture.expectedResponse?.body)
                #expect(summary.replyHex == fixture.expectedResponse?.bodyHex)
                #expect(summary.events == (fixture.expectedEvents ?? []))
            } else {
                let summary = try EventJSON.decode(WebhookSummary.self, from: Data(output.stdout.utf8))
                #expect(summary.status == expectedStatus)
                #expect(summary.events == (fixture.expectedEvents ?? []))
            }
        }
    }
}

extension FixtureCase: CustomTestStringConvertible {
    public var testDescription: String { description }
}
