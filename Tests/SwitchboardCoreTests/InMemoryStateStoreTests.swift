import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("In-memory state store")
struct InMemoryStateStoreTests {
    @Test("conformance", arguments: StateStoreConformance.checks)
    func conformance(_ check: StateStoreConformance.Check) async throws {
        try await check.run(on: InMemoryStateStore())
    }
}
