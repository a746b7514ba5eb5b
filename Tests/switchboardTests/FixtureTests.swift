import Foundation
import SwitchboardCore
public import SwitchboardTesting
public import Testing

@testable import switchboard

/// Every fixture case of every adapter, through the registry the binary ships.
@Suite("Fixtures")
struct FixtureTests {
    static let loader = try! FixtureLoader()
    static let cases = try! loader.allCases()

    @Test("every case matches its golden files", arguments: cases)
    func fixture(_ fixture: FixtureCase) async throws {
        let outcome = try await AdapterFixtureRunner(registry: BuiltIns.adapters, loader: Self.loader).run(fixture)
        #expect(outcome.passed, "\(outcome)")
    }

    @Test func everyPlatformFolderHasAnAdapter() throws {
        for platform in try Self.loader.platforms() {
            #expect(BuiltIns.adapters.factory(for: try Self.loader.keys(platform: platform).section.string("platform")) != nil, "\(platform)")
        }
    }

    /// `switchboard decode` prints the golden events for accepted cases and exits non-zero with
    /// the reason for rejected ones.
    @Test("decode reproduces the case", arguments: cases)
    func decode(_ fixture: FixtureCase) throws {
        let directory = try scratchDirectory()
        let keys = try Self.loader.keys(platform: fixture.platform)
        // keys.json's config is JSON, and JSON is YAML.
        let config = try String(contentsOf: Self.loader.root.appendingPathComponent("\(fixture.platform)/keys.json"), encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(config.utf8)) as! [String: Any]
        let section = try JSONSerialization.data(withJSONObject: object["config"]!)
        try "bots:\n  \(keys.bot): \(String(decoding: section, as: UTF8.self))\n".write(to: directory.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        var arguments = ["decode", "--config", "c.yaml", "--bot", keys.bot, "--method", fixture.request.method, "--url", fixture.request.url, "--now", String(fixture.request.now)]
        for (name, value) in fixture.request.headers.sorted(by: { $0.key < $1.key }) { arguments += ["--header", "\(name): \(value)"] }
        if let bodyFile = fixture.request.bodyFile { arguments += ["--body", fixture.directory.appendingPathComponent(bodyFile).path] }
        let output = try CLIProcess.run(arguments, in: directory)

        let expectedStatus = fixture.expectedResponse?.status ?? 200
        if expectedStatus >= 400 {
            #expect(output.status != 0)
            #expect(output.stdout.isEmpty)
            #expect(output.stderr.contains("rejected: \(expectedStatus) \(fixture.expectedResponse?.body ?? "")"), "\(output.stderr)")
        } else {
            #expect(output.status == 0, "\(output.stderr)")
            let summary = try EventJSON.decode(WebhookSummary.self, from: Data(output.stdout.utf8))
            #expect(summary.status == expectedStatus)
            #expect(summary.events == (fixture.expectedEvents ?? []))
        }
    }
}

extension FixtureCase: CustomTestStringConvertible {
    public var testDescription: String { description }
}
