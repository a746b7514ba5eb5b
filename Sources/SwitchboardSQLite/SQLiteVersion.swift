/// The oldest SQLite the store's statements run on: `INSERT … ON CONFLICT … DO UPDATE … WHERE`
/// (upsert) came with SQLite 3.24.0. An older system library is refused when the store opens,
/// in one line, instead of failing on every write later.
enum SQLiteVersion {
    static let minimum = (major: 3, minor: 24, patch: 0)

    /// Throws when `version` (`sqlite_version()`, e.g. "3.40.1") is older than ``minimum``.
    static func check(_ version: String, path: String) throws(SQLiteStateStoreError) {
        let numbers = version.split(separator: ".").map { Int($0) ?? 0 } + [0, 0, 0]
        let found = (numbers[0], numbers[1], numbers[2])
        guard found < (minimum.major, minimum.minor, minimum.patch) else { return }
        throw SQLiteStateStoreError(
            path: path,
            reason: "this system's SQLite is \(version), but \(minimum.major).\(minimum.minor).\(minimum.patch) or newer is needed; install a newer libsqlite3, or use state: {postgres: …}"
        )
    }
}
