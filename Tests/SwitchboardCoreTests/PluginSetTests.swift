import Foundation
import SwitchboardCore
import Testing

/// Plugins put together: their factories all reach the registries, and two plugins that claim one
/// name are refused naming both.
@Suite("Plugin sets", .timeLimit(.minutes(5)))
struct PluginSetTests {
    struct NamedAdapterFactory: AdapterFactory {
        var platform: String
        func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
            try GenericAdapterFactory().makeAdapter(botID: botID, config: config, environment: environment)
        }
    }

    struct NamedBackendFactory: BackendFactory {
        var type: String
        func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend {
            EchoBackend()
        }
    }

    @Test func everyPluginsFactoriesReachTheRegistries() throws {
        let telegram = SwitchboardPlugin(name: "telegram", adapters: [NamedAdapterFactory(platform: "telegram")], backends: [NamedBackendFactory(type: "openai")])
        let set = try PluginSet([.core, telegram], defaultStateStore: "memory")
        #expect(set.adapters.platforms == ["generic", "telegram"])
        #expect(set.backends.types == ["echo", "openai"])
        #expect(set.stateStores.kinds == ["memory"])
        #expect(set.stateStores.defaultKind == "memory")
    }

    @Test func twoPluginsClaimingOneNameAreRefusedNamingBoth() {
        let first = SwitchboardPlugin(name: "telegram-a", adapters: [NamedAdapterFactory(platform: "telegram")])
        let second = SwitchboardPlugin(name: "telegram-b", adapters: [NamedAdapterFactory(platform: "telegram")])
        #expect(throws: PluginConflict.self) { try PluginSet([.core, first, second], defaultStateStore: "memory") }
        do {
            _ = try PluginSet([.core, first, second], defaultStateStore: "memory")
        } catch {
            #expect("\(error)" == "plugins telegram-a and telegram-b both provide the platform telegram; leave one of them out")
        }
        let echo = SwitchboardPlugin(name: "my-echo", backends: [NamedBackendFactory(type: "echo")])
        #expect(throws: PluginConflict.self) { try PluginSet([.core, echo], defaultStateStore: "memory") }
        #expect(throws: PluginConflict.self) { try PluginSet([.core], defaultStateStore: "sqlite") }
    }
}
