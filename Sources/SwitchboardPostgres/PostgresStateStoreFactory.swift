import Logging
public import SwitchboardCore

/// `state: {postgres: URL, schema: name, max_connections: 10}` — shared by several replicas.
public struct PostgresStateStoreFactory: StateStoreFactory {
    public init() {}
    public var kind: String { "postgres" }

    public func makeOpener(config: ConfigSection, environment: FactoryEnvironment) throws -> any StateStoreOpener {
        let url = try config.string("postgres")
        let schema = try config.optionalString("schema")
        let maxConnections = try config.int("max_connections", default: 10, range: 1...500)
        do {
            let configuration = try PostgresStoreConfiguration(url: url, schema: schema, maxConnections: maxConnections)
            return Opener(configuration: configuration, logger: environment.logger)
        } catch {
            throw config.error(error.description.hasPrefix("schema") ? "schema" : "postgres", error.description)
        }
    }

    struct Opener: StateStoreOpener {
        let configuration: PostgresStoreConfiguration
        let logger: Logger
        var description: String { configuration.description }
        func open() async throws -> any StateStore { try await PostgresStateStore.open(configuration, logger: logger) }
    }
}
