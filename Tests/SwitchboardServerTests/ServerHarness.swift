import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting

/// A real Switchboard server on 127.0.0.1 and a free port, and a client that speaks the generic
/// adapter's signed wire format to it.
struct RunningSwitchboard {
    static let secret = "e2e-secret-0123456789abcdef"

    let port: Int
    let transport = AsyncHTTPClientTransport()

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the server from `yaml` (extra backend factories may be registered), runs `body`,
    /// stops the server.
    static func run(
        yaml: String,
        environment: [String: String] = [:],
        backends extra: [any BackendFactory] = [],
        store: (any StateStore)? = nil,
        _ body: (RunningSwitchboard) async throws -> Void
    ) async throws {
        let root = try ConfigLoader(environment: environment).load(yaml: yaml, file: "e2e.yaml")
        var configuration = try SwitchboardConfiguration(root: root, replicaID: "e2e")
        configuration.server.host = "127.0.0.1"
        configuration.server.port = 0
        var logger = Logger(label: "e2e")
        logger.logLevel = .warning
        let transport = AsyncHTTPClientTransport()
        let setup = try SwitchboardSetup(
            configuration: configuration, adapters: AdapterRegistry([GenericAdapterFactory()]),
            backends: BackendRegistry([EchoBackendFactory()] + extra),
            stateStores: StateStoreRegistry([InMemoryStateStoreFactory()], defaultKind: "memory"),
            environment: FactoryEnvironment(transport: transport, logger: logger)
        )
        let openedStore = if let store { store } else { try await setup.state.open() }
        let switchboard = Switchboard(setup: setup, store: openedStore, transport: transport, logger: logger)
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        // Stopped the way SIGTERM stops it: a graceful shutdown of the enclosing group.
        let group = ServiceGroup(configuration: .init(services: [ServerService(switchboard: switchboard, listening: listening)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            do {
                try await body(RunningSwitchboard(port: port))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private struct ServerService: Service {
        let switchboard: Switchboard
        let listening: AsyncStream<Int>.Continuation

        func run() async throws {
            try await switchboard.run(gracefulShutdownSignals: []) { port in
                listening.yield(port)
                listening.finish()
            }
        }
    }

    /// A direct-chat message as Event JSON.
    static func message(_ id: String, _ text: String, chat: String = "chat-1", sender: String = "u-1") -> Data {
        let json: [String: Any] = [
            "id": id, "platform": "generic", "conversation": ["id": chat, "type": "direct"],
            "sender": ["id": sender], "text": text, "timestamp": 1_718_000_000_000,
        ]
        return try! JSONSerialization.data(withJSONObject: json)
    }

    /// POSTs `body` to a bot's webhook, signed with `secret` unless `signature` overrides it.
    func post(bot: String = "app", _ body: Data, secret: String = Self.secret, signature: String? = nil) async throws -> (status: Int, body: String) {
        var headers = GenericSignature(secret: secret).headers(for: body, now: Date())
        if let signature { headers[GenericSignature.signatureHeader] = signature }
        headers[.contentType] = "application/json"
        return try await send(OutboundRequest(method: .post, url: "\(url)/webhooks/\(bot)", headers: headers, body: body))
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        try await send(OutboundRequest(method: .get, url: "\(url)\(path)"))
    }

    func send(_ request: OutboundRequest) async throws -> (status: Int, body: String) {
        let response = try await transport.execute(request)
        return (Int(response.status.code), String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self))
    }
}

/// What a generic bot's callback received.
struct Callback {
    let eventID: String
    let markdown: String

    init(_ request: RecordedRequest) throws {
        guard
            let timestamp = request.headers[GenericSignature.timestampHeader].flatMap({ Int64($0) }),
            let signature = request.headers[GenericSignature.signatureHeader],
            GenericSignature(secret: RunningSwitchboard.secret).isValid(signature: signature, timestamp: timestamp, body: request.body)
        else { throw FixtureError("callback not signed with the bot's secret") }
        let object = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
        eventID = object?["event_id"] as? String ?? ""
        markdown = (object?["reply"] as? [String: Any])?["markdown"] as? String ?? ""
    }

    static func all(_ requests: [RecordedRequest]) throws -> [Callback] {
        try requests.map(Callback.init)
    }
}
