/// What a package brings to Switchboard, as one value: its adapter factories (`platform:`),
/// backend factories (`type:`), state-store factories (`state:` kinds), the render targets
/// `switchboard render` knows for its platform (named `<platform>.<mode>`, or `<platform>`) and the
/// scenarios `switchboard demo` plays. The built-in platforms,
/// backends and stores are plugins too — ``SwitchboardPlugin/core`` and one per module — and get no
/// other door: a third party's plugin can do everything they do.
public struct SwitchboardPlugin: Sendable {
    public var name: String
    public var adapters: [any AdapterFactory]
    public var backends: [any BackendFactory]
    public var stateStores: [any StateStoreFactory]
    public var renderTargets: [RenderTarget]
    public var demos: [DemoScenario]

    public init(
        name: String, adapters: [any AdapterFactory] = [], backends: [any BackendFactory] = [], stateStores: [any StateStoreFactory] = [],
        renderTargets: [RenderTarget] = [], demos: [DemoScenario] = []
    ) {
        self.name = name
        self.adapters = adapters
        self.backends = backends
        self.stateStores = stateStores
        self.renderTargets = renderTargets
        self.demos = demos
    }

    /// What the core itself ships: the generic adapter, the echo backend, the in-memory store.
    public static let core = SwitchboardPlugin(
        name: "core", adapters: [GenericAdapterFactory()], backends: [EchoBackendFactory()], stateStores: [InMemoryStateStoreFactory()]
    )
}

/// Plugins put together: the registries a server and its CLI are built from. Two plugins that
/// claim one `platform:`, `type:` or store are refused, naming both — one would silently win.
public struct PluginSet: Sendable {
    public let plugins: [SwitchboardPlugin]
    public let adapters: AdapterRegistry
    public let backends: BackendRegistry
    public let stateStores: StateStoreRegistry
    /// The built-in render targets and the plugins'.
    public let renderTargets: [RenderTarget]

    /// - Parameter defaultStateStore: the store used when `state:` names none.
    public init(_ plugins: [SwitchboardPlugin], defaultStateStore: String) throws {
        var adapterOwners: [String: String] = [:]
        var backendOwners: [String: String] = [:]
        var storeOwners: [String: String] = [:]
        for plugin in plugins {
            try Self.claim(plugin.adapters.map(\.platform), by: plugin.name, in: &adapterOwners, what: "platform")
            try Self.claim(plugin.backends.map(\.type), by: plugin.name, in: &backendOwners, what: "backend type")
            try Self.claim(plugin.stateStores.map(\.kind), by: plugin.name, in: &storeOwners, what: "state store")
        }
        guard storeOwners[defaultStateStore] != nil else {
            throw PluginConflict(description: "no plugin provides the default state store \(defaultStateStore)")
        }
        self.plugins = plugins
        adapters = AdapterRegistry(plugins.flatMap(\.adapters))
        backends = BackendRegistry(plugins.flatMap(\.backends))
        stateStores = StateStoreRegistry(plugins.flatMap(\.stateStores), defaultKind: defaultStateStore)
        renderTargets = RenderTarget.builtIn + plugins.flatMap(\.renderTargets)
    }

    private static func claim(_ names: [String], by plugin: String, in owners: inout [String: String], what: String) throws {
        for name in names {
            if let owner = owners[name] {
                throw PluginConflict(description: "plugins \(owner) and \(plugin) both provide the \(what) \(name); leave one of them out")
            }
            owners[name] = plugin
        }
    }
}

/// Plugins that cannot be used together.
public struct PluginConflict: Error, Sendable, CustomStringConvertible {
    public var description: String
}
