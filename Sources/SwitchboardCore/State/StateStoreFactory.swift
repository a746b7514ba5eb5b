/// Builds a store from the `state:` section, keyed by the one key that names the kind:
/// `state: {memory: true}`, `state: {sqlite: path}`, `state: {postgres: URL}`. A store from another
/// package registers the same way the built-in ones do.
public protocol StateStoreFactory: Sendable {
    /// The key under `state:` that selects this store.
    var kind: String { get }

    /// Reads and checks the settings without touching disk or network, and returns how to open
    /// the store. `config` is the whole `state:` section (empty when the file has none and this is
    /// the default kind).
    func makeOpener(config: ConfigSection, environment: FactoryEnvironment) throws -> any StateStoreOpener
}

/// A checked store configuration, ready to open.
public protocol StateStoreOpener: Sendable, CustomStringConvertible {
    /// Opens (creating and migrating as needed). Errors are one line for people, naming the file
    /// or server but never a password.
    func open() async throws -> any StateStore
}

/// The store factories a server knows, and which one applies when `state:` names none.
public struct StateStoreRegistry: Sendable {
    private var factories: [String: any StateStoreFactory] = [:]
    public var defaultKind: String

    public init(_ factories: [any StateStoreFactory], defaultKind: String) {
        self.defaultKind = defaultKind
        for factory in factories { self.factories[factory.kind] = factory }
    }

    public var kinds: [String] { factories.keys.sorted() }

    /// Picks the factory named by `config`'s key (or the default), builds the opener, and rejects
    /// keys it did not read.
    public func makeOpener(config: ConfigSection, environment: FactoryEnvironment) throws -> any StateStoreOpener {
        let named = kinds.filter { config.contains($0) }
        guard named.count <= 1 else {
            throw config.error(named[1], "state names one store; choose one of \(kinds.joined(separator: ", "))")
        }
        guard let factory = factories[named.first ?? defaultKind] else {
            throw config.node.error("no store named; use one of \(kinds.joined(separator: ", "))")
        }
        let opener = try factory.makeOpener(config: config, environment: environment)
        try config.rejectUnknownKeys()
        return opener
    }
}

/// The in-memory store: `state: {memory: true}`.
public struct InMemoryStateStoreFactory: StateStoreFactory {
    public init() {}
    public var kind: String { "memory" }

    public func makeOpener(config: ConfigSection, environment: FactoryEnvironment) throws -> any StateStoreOpener {
        guard try config.bool("memory", default: true) else {
            throw config.error("memory", "memory: false names no store; name another one instead")
        }
        return Opener()
    }

    struct Opener: StateStoreOpener {
        var description: String { "in memory (lost when the process stops)" }
        func open() async throws -> any StateStore { InMemoryStateStore() }
    }
}
