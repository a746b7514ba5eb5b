import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardDify
import SwitchboardOpenAI
import SwitchboardFeishu
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardWeCom

/// The plugins this executable ships — the built-in platforms, backends and stores, each a
/// ``SwitchboardPlugin`` like a third party's. SQLite is the store when `state:` names none.
enum BuiltIns {
    static let plugins: [SwitchboardPlugin] = [.core, .weCom, .feishu, .dingTalk, .dify, .openAI, .sqlite, .postgres]

    // The built-ins never conflict; a plugin added here that does is a programming error.
    static let pluginSet = try! PluginSet(plugins, defaultStateStore: "sqlite")

    static var adapters: AdapterRegistry { pluginSet.adapters }
    static var backends: BackendRegistry { pluginSet.backends }
    static var stateStores: StateStoreRegistry { pluginSet.stateStores }

    /// The platform adapters (the generic one lives in core).
    static var platformAdapters: [any AdapterFactory] {
        plugins.filter { $0.name != "core" }.flatMap(\.adapters)
    }
}
