public import SwitchboardCore

/// `state: {sqlite: path}` — the embedded default; the path is relative to the working directory.
public struct SQLiteStateStoreFactory: StateStoreFactory {
    public static let defaultPath = ".switchboard/state.sqlite"

    public init() {}
    public var kind: String { "sqlite" }

    public func makeOpener(config: ConfigSection, environment: FactoryEnvironment) throws -> any StateStoreOpener {
        Opener(path: try config.string("sqlite", default: Self.defaultPath))
    }

    struct Opener: StateStoreOpener {
        let path: String
        var description: String { "SQLite file \(path)" }
        func open() async throws -> any StateStore { try SQLiteStateStore.open(path: path) }
    }
}
