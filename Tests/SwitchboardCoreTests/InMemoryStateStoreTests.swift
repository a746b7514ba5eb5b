import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("In-memory state store", .timeLimit(.minutes(5)))
struct InMemoryStateStoreTests {
    /// Every store runs this list: if it went empty, three suites would pass with nothing checked.
    @Test func theConformanceChecksAreThere() {
        #expect(StateStoreConformance.checks.count >= 34, "\(StateStoreConformance.checks.count) checks")
    }

    @Test("conformance", arguments: StateStoreConformance.checks)
    func conformance(_ check: StateStoreConformance.Check) async throws {
        try await check.run(on: InMemoryStateStore())
    }
}
