/// Builds a bot's adapter from its config section (`bots.<id>`), keyed by the section's
/// `platform:` (and, inside a platform, by whatever the factory reads, such as `mode:`).
///
/// An adapter from another package registers the same way a built-in one does: pass its factory to
/// the ``AdapterRegistry`` the server is started with.
public protocol AdapterFactory: Sendable {
    /// The `platform:` value this factory handles.
    var platform: String { get }
    /// Reads the keys it understands from `config` (the section's `platform` key is already read)
    /// and returns the adapter. Must not touch the network.
    func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter
}

/// The adapter factories a server knows, by platform name.
public struct AdapterRegistry: Sendable {
    private var factories: [String: any AdapterFactory] = [:]

    public init(_ factories: [any AdapterFactory] = []) {
        for factory in factories { register(factory) }
    }

    /// Adds a factory; a later one for the same platform replaces the earlier.
    public mutating func register(_ factory: any AdapterFactory) {
        factories[factory.platform] = factory
    }

    public func factory(for platform: String) -> (any AdapterFactory)? {
        factories[platform]
    }

    public var platforms: [String] { factories.keys.sorted() }

    /// Builds the adapter for the bot section `config` (which must say `platform:`), then rejects
    /// keys the factory did not read.
    public func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
        let platform = try config.string("platform")
        guard let factory = factories[platform] else {
            throw config.error("platform", "unknown platform; this build knows \(platforms.joined(separator: ", "))")
        }
        let adapter = try factory.makeAdapter(botID: botID, config: config, environment: environment)
        try config.rejectUnknownKeys()
        return adapter
    }
}

/// The backend factories a server knows, by `type:`.
public struct BackendRegistry: Sendable {
    private var factories: [String: any BackendFactory] = [:]

    public init(_ factories: [any BackendFactory] = []) {
        for factory in factories { register(factory) }
    }

    public mutating func register(_ factory: any BackendFactory) {
        factories[factory.type] = factory
    }

    public var types: [String] { factories.keys.sorted() }

    /// Builds the backend for the section `config` (which must say `type:`), then rejects keys the
    /// factory did not read.
    public func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend {
        let type = try config.string("type")
        guard let factory = factories[type] else {
            throw config.error("type", "unknown backend type; this build knows \(types.joined(separator: ", "))")
        }
        let backend = try factory.makeBackend(name: name, config: config, environment: environment)
        try config.rejectUnknownKeys()
        return backend
    }
}
