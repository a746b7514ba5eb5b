import Foundation
import SwitchboardCore
import SwitchboardTelegram
import SwitchboardTesting
import Testing

/// Every case in `Fixtures/telegram` through the adapter, by the kit the built-in adapters use:
/// golden events and answers, the same update twice giving the same ids, and a changed secret
/// header refused with 401 before anything is parsed.
@Suite("Telegram fixtures")
struct TelegramFixtureTests {
    static let loader = try! FixtureLoader(filePath: #filePath)

    static var cases: [FixtureCase] {
        (try? loader.cases(platform: "telegram")) ?? []
    }

    @Test("a fixture case passes", arguments: cases)
    func fixture(_ fixture: FixtureCase) async throws {
        let outcome = try await AdapterFixtureRunner(registry: AdapterRegistry([TelegramAdapterFactory()]), loader: Self.loader).run(fixture)
        #expect(outcome.passed, "\(outcome)")
    }

    @Test("the cases are there, and the redelivery decodes to the very event of the first delivery")
    func redelivery() async throws {
        #expect(Self.cases.count >= 12)
        let runner = AdapterFixtureRunner(registry: AdapterRegistry([TelegramAdapterFactory()]), loader: Self.loader)
        let first = try await runner.run(try #require(Self.cases.first { $0.name == "group-mention" }))
        let again = try await runner.run(try #require(Self.cases.first { $0.name == "redelivery" }))
        #expect(first.result.events.map(\.id) == ["telegram-main:640000102"])
        #expect(again.result.events.map(\.id) == first.result.events.map(\.id))
    }
}

/// A plugin's adapter in `fixture make`: an update recorded for a bot with its own secret token ▸
/// opened with it, anonymized, sealed with the fixture bot's ▸ a case the kit passes, without the
/// recorded people, chat or secret.
@Suite("Telegram fixtures from recorded updates")
struct TelegramRecordedFixtureTests {
    @Test func aRecordedUpdateBecomesAPassingCase() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("telegram-made-\(UUID().uuidString)")
        let platform = scratch.appendingPathComponent("Fixtures/telegram")
        try FileManager.default.createDirectory(at: platform, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TelegramFixtureTests.loader.root.appendingPathComponent("telegram/keys.json"), to: platform.appendingPathComponent("keys.json"))
        // The recording: the group-mention update, sent to a production bot with its own secret.
        let source = try #require(try TelegramFixtureTests.loader.cases(platform: "telegram").first { $0.name == "group-mention" })
        let recorded = scratch.appendingPathComponent("recordings/prod-telegram/1")
        try FileManager.default.createDirectory(at: recorded, withIntermediateDirectories: true)
        try source.body.write(to: recorded.appendingPathComponent("body.json"))
        let request = #"{"bot":"prod-telegram","method":"POST","url":"/webhooks/prod-telegram","now":\#(source.request.now),"body_file":"body.json","headers":{"content-type":"application/json","x-telegram-bot-api-secret-token":"prod-secret-token-0001"}}"#
        try Data(request.utf8).write(to: recorded.appendingPathComponent("request.json"))
        let config = try ConfigSection(ConfigNode(.map([
            ("platform", ConfigNode(.scalar("telegram"), path: "p")), ("bot_token", ConfigNode(.scalar("7999999999:AAprod-token-0001"), path: "t")),
            ("secret_token", ConfigNode(.scalar("prod-secret-token-0001"), path: "s")), ("bot_username", ConfigNode(.scalar("switchboard_fixture_bot"), path: "u")),
        ]), path: "bots.prod-telegram"))

        let out = platform.appendingPathComponent("made-group-mention")
        let made = try await FixtureMaker(registry: AdapterRegistry([TelegramAdapterFactory()])).make(recorded: recorded, bot: "prod-telegram", config: config, out: out)
        #expect(made.fixtureBot == "telegram-main")
        let loader = FixtureLoader(root: scratch.appendingPathComponent("Fixtures"))
        let fixture = try #require(try loader.cases(platform: "telegram").first { $0.name == "made-group-mention" })
        let outcome = try await AdapterFixtureRunner(registry: AdapterRegistry([TelegramAdapterFactory()]), loader: loader).run(fixture)
        #expect(outcome.passed, "\(outcome)")
        #expect(outcome.result.events.first?.text == source.expectedEvents?.first?.text)
        let original = try #require(source.expectedEvents?.first)
        for file in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            let content = String(decoding: try Data(contentsOf: out.appendingPathComponent(file)), as: UTF8.self)
            for value in ["prod-secret-token-0001", original.sender.id, original.conversation.id, original.sender.name ?? "-"] {
                #expect(!content.contains(value), "\(file) still holds \(value)")
            }
        }
        try? FileManager.default.removeItem(at: scratch)
    }
}
