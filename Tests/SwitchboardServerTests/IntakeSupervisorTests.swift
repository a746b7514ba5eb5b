import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardServer

/// The supervisor of long-running intakes, with an adapter whose "socket" is a service that says
/// when it starts and stops, and with which secret.
@Suite("Intake supervisor", .timeLimit(.minutes(1)))
struct IntakeSupervisorTests {
    final class Log: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    struct ProbeFactory: AdapterFactory {
        let log: Log
        var platform: String { "probe" }
        func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
            ProbeAdapter(botID: botID, secret: try config.string("secret"), log: log)
        }
    }

    struct ProbeAdapter: ChatAdapter {
        let botID: String
        let secret: String
        let log: Log
        var platform: String { "probe" }
        var capabilities: AdapterCapabilities { AdapterCapabilities(maxMessageBytes: 1000, markdownDialect: .plainText, groupsDeliverUnmentionedMessages: false) }
        func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound { .accept([], ack: .empty()) }
        func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt { DeliveryReceipt() }
        func services(feeding sink: any EventSink) -> [any Service] {
            log.add("made \(botID) with \(secret)")
            return [ProbeSocket(name: "\(botID) with \(secret)", log: log)]
        }
    }

    struct ProbeSocket: Service {
        let name: String
        let log: Log
        func run() async throws {
            log.add("open \(name)")
            try? await Task.sleep(for: .seconds(3600))
            log.add("closed \(name)")
        }
    }

    struct NoSink: EventSink {
        func accept(_ events: [ChatEvent]) async throws -> AcceptResult { AcceptResult() }
    }

    static func setup(_ yaml: String, log: Log) throws -> SwitchboardSetup {
        let root = try ConfigLoader().load(yaml: yaml, file: "switchboard.yaml")
        return try SwitchboardSetup(
            configuration: try SwitchboardConfiguration(root: root, replicaID: "test"), adapters: AdapterRegistry([ProbeFactory(log: log)]),
            backends: BackendRegistry([EchoBackendFactory()]), stateStores: StateStoreRegistry([InMemoryStateStoreFactory()], defaultKind: "memory"),
            environment: FactoryEnvironment(transport: RecordingTransport(), logger: Logger(label: "test"))
        )
    }

    @Test("a reload that comes before the supervisor runs is not undone: a removed bot's socket is never opened with its old secret; on shutdown every socket is closed")
    func aReloadBeforeRunIsKept() async throws {
        let log = Log()
        let first = try Self.setup("bots: {old: {platform: probe, secret: s1}, kept: {platform: probe, secret: k1}}", log: log)
        let reloaded = try Self.setup("bots: {kept: {platform: probe, secret: k1}, new: {platform: probe, secret: n1}}", log: log)
        let supervisor = IntakeSupervisor(setup: first, sink: NoSink(), logger: Logger(label: "test"))
        await supervisor.update(to: reloaded)
        let running = Task { try await supervisor.run() }
        try await waitUntil("the sockets") { log.all.filter { $0.hasPrefix("open") }.count >= 2 }
        // The same setup again: applied under the supervisor's lock, after its first sweep — so
        // every socket that sweep made is in the log by now.
        await supervisor.update(to: reloaded)
        #expect(Set(log.all.filter { $0.hasPrefix("made") }) == ["made kept with k1", "made new with n1"], "\(log.all)")
        #expect(!log.all.contains("open old with s1"), "\(log.all)")
        #expect(Set(log.all.filter { $0.hasPrefix("open") }) == ["open kept with k1", "open new with n1"])
        running.cancel()
        _ = await running.result
        #expect(Set(log.all.filter { $0.hasPrefix("closed") }) == ["closed kept with k1", "closed new with n1"])
    }
}
