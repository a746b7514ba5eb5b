import Foundation
import SwitchboardCore
@testable import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// A state file Switchboard cannot use stops it at start, in one line — never a server that
/// answers 503 to every webhook later.
@Suite("SQLite at start", .timeLimit(.minutes(5)))
struct SQLiteStartupTests {
    @Test func anOlderSQLiteThanTheStatementsNeedIsRefusedNamingBothVersions() throws {
        let error = #expect(throws: SQLiteStateStoreError.self) { try SQLiteVersion.check("3.22.0", path: "s.sqlite") }
        #expect(
            error?.description
                == "state file s.sqlite: this system's SQLite is 3.22.0, but 3.24.0 or newer is needed; install a newer libsqlite3, or use state: {postgres: …}"
        )
        try SQLiteVersion.check("3.24.0", path: "s.sqlite")
        try SQLiteVersion.check("3.40.1", path: "s.sqlite")
        try SQLiteVersion.check("4.0", path: "s.sqlite")
    }

    @Test func aStateFileThatCannotBeWrittenStopsTheStart() async throws {
        let path = temporaryPath()
        do {
            let store = try SQLiteStateStore.open(path: path)
            _ = try await store.claim("k", ttl: .seconds(60), now: Date())
        }
        try ReadOnlyPath.make(path)
        defer { ReadOnlyPath.undo(path) }
        let error = #expect(throws: SQLiteStateStoreError.self) { _ = try SQLiteStateStore.open(path: path) }
        #expect(error.map { Self.isOneLineSayingWhy($0, path: path) } == true, "\(String(describing: error))")
    }

    @Test func aStateFileInAFolderThatCannotBeWrittenStopsTheStart() async throws {
        let path = temporaryPath()
        let folder = (path as NSString).deletingLastPathComponent
        do {
            let store = try SQLiteStateStore.open(path: path)
            _ = try await store.claim("k", ttl: .seconds(60), now: Date())
        }
        try ReadOnlyPath.make(folder)
        defer { ReadOnlyPath.undo(folder) }
        let error = #expect(throws: SQLiteStateStoreError.self) { _ = try SQLiteStateStore.open(path: path) }
        #expect(error.map { Self.isOneLineSayingWhy($0, path: path) } == true, "\(String(describing: error))")
    }

    static func isOneLineSayingWhy(_ error: SQLiteStateStoreError, path: String) -> Bool {
        let text = error.description
        return text.hasPrefix("state file \(path): ") && !text.contains("\n")
            && (text.contains("not writable") || text.contains("cannot open it"))
    }
}
