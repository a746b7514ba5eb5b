import SwitchboardCore

/// `record:` — keep the raw requests (and long-connection frames) the chosen bots receive, in the
/// fixture layout, for `switchboard fixture make` (or `serve --record DIR` for every bot):
///
/// ```yaml
/// record:
///   dir: .switchboard/recordings   # created 0700; every file 0600
///   bots: [feishu-main]            # default: every bot
///   max_files: 1000                # cases kept at most; then recording stops (default 1000)
/// ```
///
/// A recording holds production payloads (encrypted or not) and is not to be shared as it is.
public struct RecordSettings: Sendable, Equatable {
    public var directory: String
    /// nil: every bot.
    public var bots: Set<String>?
    public var maxCases: Int

    public init(directory: String, bots: Set<String>? = nil, maxCases: Int = 1000) {
        self.directory = directory
        self.bots = bots
        self.maxCases = maxCases
    }

    init(section: ConfigSection) throws {
        directory = try section.string("dir")
        bots = try section.stringList("bots").map(Set.init)
        maxCases = try section.int("max_files", default: 1000, range: 1...1_000_000)
        try section.rejectUnknownKeys()
    }
}
