public import SwitchboardCore

extension SwitchboardPlugin {
    /// The PostgreSQL state store (`state: {postgres: …}`).
    public static let postgres = SwitchboardPlugin(name: "postgres", stateStores: [PostgresStateStoreFactory()])
}
