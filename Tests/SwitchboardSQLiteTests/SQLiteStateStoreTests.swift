import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

func temporaryPath(_ name: String = "state.sqlite") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString)").appendingPathComponent(name).path
}

@Suite("SQLite state store", .timeLimit(.minutes(5)))
struct SQLiteStateStoreTests {
    @Test("conformance", arguments: StateStoreConformance.checks)
    func conformance(_ check: StateStoreConformance.Check) async throws {
        try await check.run(on: try SQLiteStateStore.open(path: temporaryPath()))
    }

    @Test func everythingSurvivesReopening() async throws {
        let path = temporaryPath()
        let t0 = Date(timeIntervalSince1970: 1_718_000_000)
        let event = GenericMessage("e1", "hi", chat: "c", sender: "u").event
        do {
            let store = try SQLiteStateStore.open(path: path)
            #expect(try await store.enqueue(Job(event: event, orderingKey: "k"), dedupTTL: .seconds(3600), now: t0))
            #expect(try await store.saveConversation("k", id: "45701982-8118-4bc5-8e9b-64562b4555f2", generation: 0, now: t0))
        }
        let reopened = try SQLiteStateStore.open(path: path)
        #expect(try await !reopened.enqueue(Job(event: event, orderingKey: "k"), dedupTTL: .seconds(3600), now: t0))
        #expect(try await reopened.conversation("k").stored?.id == "45701982-8118-4bc5-8e9b-64562b4555f2")
        let leased = try await reopened.lease(LeaseRequest(owner: "r", limit: 5, duration: .seconds(30), maxAttempts: 3, now: t0))
        #expect(leased.map(\.job.event) == [event])
    }

    @Test func createsItsDirectoryAndUsesWAL() throws {
        let path = temporaryPath("nested/deeper/state.sqlite")
        let store = try SQLiteStateStore.open(path: path)
        #expect(FileManager.default.fileExists(atPath: path))
        // The write-ahead log exists while the store is open (SQLite removes it on the last close).
        withExtendedLifetime(store) {
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test func aCorruptFileIsOneLineNamingIt() throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SQLiteStateStoreError.self) { _ = try SQLiteStateStore.open(path: path) }
        #expect(error?.description == "state file \(path): it is not a Switchboard state database or it is corrupt; move it away to start with an empty state")
    }

    @Test func aPathThatCannotBeAFileIsOneLineNamingIt() throws {
        let directory = temporaryPath("a-directory")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let error = #expect(throws: SQLiteStateStoreError.self) { _ = try SQLiteStateStore.open(path: directory) }
        #expect(error?.description.hasPrefix("state file \(directory): ") == true)
        #expect(error?.description.contains("\n") == false)

        let underAFile = temporaryPath("file") + "/state.sqlite"
        try FileManager.default.createDirectory(atPath: ((underAFile as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: (underAFile as NSString).deletingLastPathComponent, contents: Data("x".utf8))
        let nested = #expect(throws: SQLiteStateStoreError.self) { _ = try SQLiteStateStore.open(path: underAFile) }
        #expect(nested?.description.hasPrefix("state file \(underAFile): cannot create its directory") == true)
    }
}
