import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Testing

/// Loads `yaml` as the server would and builds it; returns the setup or the one-line error.
func build(_ yaml: String, environment: [String: String] = [:]) -> Result<SwitchboardSetup, ConfigError> {
    do {
        let root = try ConfigLoader(environment: environment).load(yaml: yaml, file: "switchboard.yaml")
        let configuration = try SwitchboardConfiguration(root: root, replicaID: "test")
        return .success(try SwitchboardSetup(
            configuration: configuration, adapters: AdapterRegistry([GenericAdapterFactory()]),
            backends: BackendRegistry([EchoBackendFactory()]),
            stateStores: StateStoreRegistry([InMemoryStateStoreFactory()], defaultKind: "memory"),
            environment: FactoryEnvironment(transport: RecordingTransport(), logger: Logger(label: "test"))
        ))
    } catch let error as ConfigError {
        return .failure(error)
    } catch {
        Issue.record("unexpected error type: \(error)")
        return .failure(ConfigError(file: nil, key: "", reason: "\(error)"))
    }
}

func errorLine(_ yaml: String, environment: [String: String] = [:]) -> String? {
    if case .failure(let error) = build(yaml, environment: environment) { return error.description }
    return nil
}

@Suite("Configuration", .timeLimit(.minutes(5)))
struct ConfigurationTests {
    static let secret = "s3cr3t-value-never-printed"
    static let bot = "bots:\n  app: {platform: generic, secret: \(secret)}\n"

    @Test func environmentVariablesAreExpanded() throws {
        let yaml = "server: {port: \"${PORT:-9000}\", host: \"${HOST}\"}\nbots:\n  app: {platform: generic, secret: \"${APP_SECRET}\"}\n"
        let setup = try build(yaml, environment: ["HOST": "127.0.0.2", "APP_SECRET": Self.secret]).get()
        #expect(setup.configuration.server.port == 9000)
        #expect(setup.configuration.server.host == "127.0.0.2")
    }

    @Test func anUnsetVariableNamesTheKeyAndTheVariable() {
        let line = errorLine("bots:\n  app: {platform: generic, secret: \"${APP_SECRET}\"}\n")
        #expect(line == "switchboard.yaml: bots.app.secret: environment variable APP_SECRET is not set")
    }

    @Test func dollarDollarIsALiteral() throws {
        let yaml = "bots:\n  app: {platform: generic, secret: \"$${NOT_A_VAR}-0123456789\", callback_url: \"https://x.example/$${a}$$b\"}\n"
        #expect(throws: Never.self) { try build(yaml).get() }
        let root = try ConfigSection(try ConfigLoader(environment: ["NOT_A_VAR": "expanded"]).load(yaml: yaml, file: "switchboard.yaml"))
        let app = try #require(try root.section("bots")?.section("app"))
        #expect(try app.string("secret") == "${NOT_A_VAR}-0123456789")
        #expect(try app.string("callback_url") == "https://x.example/${a}$$b")
    }

    @Test func conversationRetentionIsReadFromTheEngineSection() throws {
        let setup = try build(Self.bot + "engine: {conversation_retention: 12h, finished_job_retention: 2d, purge_interval: 30s}\n").get()
        #expect(setup.configuration.retention.idleConversations == .seconds(12 * 3600))
        #expect(setup.configuration.retention.finishedJobs == .seconds(2 * 24 * 3600))
        #expect(setup.configuration.retention.purgeInterval == .seconds(30))
        #expect(try build(Self.bot).get().configuration.retention.idleConversations == .seconds(30 * 24 * 3600))
    }

    @Test func errorsNeverQuoteTheValue() {
        let cases = [
            "bots:\n  app: {platform: generic, secret: short}\n",
            "bots:\n  app: {platform: generic, secret: \(Self.secret), callback_url: \"not a url \(Self.secret)\"}\n",
            "bots:\n  app: {platform: generic, secret: \"\(Self.secret)\n",
            "bots:\n  app: {platform: generic, secret: [\(Self.secret)]}\n",
        ]
        for yaml in cases {
            let line = errorLine(yaml)
            #expect(line != nil)
            #expect(line?.contains(Self.secret) == false, "\(line ?? "")")
            #expect(line?.contains("short") == false)
            #expect(line?.contains("\n") == false)
        }
    }

    @Test func yamlSyntaxErrorsGiveLineAndColumn() {
        let line = errorLine("bots:\n  app: {platform: generic, secret: \"\(Self.secret)\n")
        #expect(line?.hasPrefix("switchboard.yaml: YAML syntax error at line") == true)
    }

    @Test func misspeltKeysAreReportedWithASuggestion() {
        #expect(errorLine(Self.bot + "route: []\n") == "switchboard.yaml: route: unknown key (did you mean routes?)")
        #expect(errorLine("bots:\n  app: {platform: generic, secret: \(Self.secret), callback_ulr: http://x.example}\n")
            == "switchboard.yaml: bots.app.callback_ulr: unknown key (did you mean callback_url?)")
        #expect(errorLine(Self.bot + "routes:\n  - {backend: echo, when: {chat: direct, keyword: [a]}}\n")
            == "switchboard.yaml: routes[0].when.keyword: unknown key (did you mean keywords?)")
    }

    @Test func routeErrorsNameTheRouteAndKey() {
        #expect(errorLine(Self.bot + "routes:\n  - {name: finance, when: {keywords: [报销]}, backend: finance}\n")
            == "switchboard.yaml: route finance (routes[0]): backend: unknown backend; configured backends: echo")
        #expect(errorLine(Self.bot + "routes:\n  - {backend: echo, when: {regex: \"([a\"}}\n")
            == "switchboard.yaml: routes[0].when.regex: is not a valid regular expression")
        #expect(errorLine(Self.bot + "routes:\n  - {backend: echo, when: {mention: true, keywords: [a]}}\n")
            == "switchboard.yaml: routes[0].when.keywords: a route has one trigger; choose one of mention, keywords, prefix, regex, any")
        #expect(errorLine(Self.bot + "routes:\n  - {backend: echo, scope: per_room}\n")
            == "switchboard.yaml: routes[0].scope: must be per_user, per_chat or per_user_in_chat")
        #expect(errorLine(Self.bot + "routes:\n  - {name: a, backend: echo}\n  - {name: a, backend: echo}\n")
            == "switchboard.yaml: route a (routes[1]): name: another route has the same name; names must be unique")
    }

    @Test func otherMistakesAreOneLineEach() {
        #expect(errorLine("bots:\n  app: {platform: slack, secret: x}\n") == "switchboard.yaml: bots.app.platform: unknown platform; this build knows generic")
        #expect(errorLine("bots:\n  \"my bot\": {platform: generic, secret: \(Self.secret)}\n")?.contains("bots.my bot: bot ids may use only") == true)
        #expect(errorLine(Self.bot + "backends:\n  a: {type: echo}\n  b: {type: echo}\n") == "switchboard.yaml: routes: required when more than one backend is configured")
        #expect(errorLine(Self.bot + "backends:\n  a: {type: echo, delay_ms: -1}\n") == "switchboard.yaml: backends.a.delay_ms: must be between 0 and 600000")
        #expect(errorLine(Self.bot + "state: {sqlite: x.db}\n") == "switchboard.yaml: state.sqlite: unknown key")
        #expect(errorLine(Self.bot + "state: {memory: false}\n") == "switchboard.yaml: state.memory: memory: false names no store; name another one instead")
        #expect(errorLine(Self.bot + "server: {port: eighty}\n") == "switchboard.yaml: server.port: must be a whole number")
        #expect(errorLine(Self.bot + "engine: {drain_timeout: soon}\n") == "switchboard.yaml: engine.drain_timeout: must be a duration like 500ms, 30s, 5m, 24h or 7d")
        #expect(errorLine("bots:\n  app: {platform: generic, secret: a}\n  app: {platform: generic, secret: b}\n") == "switchboard.yaml: key app appears twice (line 2)")
    }

    @Test func withoutRoutesDirectChatsAndMentionsGoToTheOnlyBackend() throws {
        let setup = try build(Self.bot + "backends:\n  helpdesk: {type: echo}\n").get()
        #expect(setup.routing.rules.map(\.description) == [
            "direct: direct chats, every message → helpdesk (per_user_in_chat)",
            "mentioned: group chats, @-mentions → helpdesk (per_user_in_chat)",
        ])
        #expect(setup.warnings.isEmpty)
    }

    @Test func withoutBackendsTheEchoBackendAnswersWithAWarning() throws {
        let setup = try build(Self.bot).get()
        #expect(setup.backends.keys.sorted() == ["echo"])
        #expect(setup.warnings.contains { $0.contains("using the echo backend") })
    }

    @Test func engineSettingsAreRead() throws {
        let setup = try build(Self.bot + "engine: {concurrency: 4, max_attempts: 2, drain_timeout: 5s, dedup_ttl: 2h, retry_initial_delay: 500ms}\n").get()
        let engine = setup.configuration.engine
        #expect(engine.concurrency == 4)
        #expect(engine.retry.maxAttempts == 2)
        #expect(engine.drainTimeout == .seconds(5))
        #expect(engine.dedupTTL == .seconds(7200))
        #expect(engine.retry.initialDelay == .milliseconds(500))
    }
}
