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
