import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardDify
import SwitchboardFeishu
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardWeCom

/// The adapters and backends this executable ships. A build with plugins adds their factories
/// here — the same call a built-in uses.
enum BuiltIns {
    static var adapters: AdapterRegistry {
        AdapterRegistry([GenericAdapterFactory()] + platformAdapters)
    }

    /// The platform adapters (the generic one lives in core).
    static var platformAdapters: [any AdapterFactory] {
        [WeComAdapterFactory(), FeishuAdapterFactory(), DingTalkAdapterFactory()]
    }

    static var backends: BackendRegistry {
        BackendRegistry([EchoBackendFactory(), DifyBackendFactory()])
    }

    /// SQLite is the default when `state:` names no store.
    static var stateStores: StateStoreRegistry {
        StateStoreRegistry(
            [InMemoryStateStoreFactory(), SQLiteStateStoreFactory(), PostgresStateStoreFactory()],
            defaultKind: "sqlite"
        )
    }
}
