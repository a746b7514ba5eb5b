public import SwitchboardCore

extension SwitchboardPlugin {
    /// The SQLite state store (`state: {sqlite: …}`).
    public static let sqlite = SwitchboardPlugin(name: "sqlite", stateStores: [SQLiteStateStoreFactory()])
}
