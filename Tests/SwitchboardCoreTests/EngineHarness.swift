import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting

/// Runs an engine with a generic bot whose callback is a loopback server, for as long as `body`
/// runs.
struct EngineHarness {
    static let secret = TestEngine.secret

    let engine: Engine
    let store: InMemoryStateStore
    let callback: LoopbackServer

    static func run(
        backend: any ChatBackend,
        callbackResponder: @escaping LoopbackServer.Responder = { _ in WebhookResponse() },
        rules: [RoutingRule] = [RoutingRule(name: "all", backend: "b")],
        configure: (inout EngineConfiguration) -> Void = { _ in },
        _ body: (EngineHarness) async throws -> Void
    ) async throws {
        try await LoopbackServer.withRunning(respond: callbackResponder) { callback in
            let store = InMemoryStateStore()
            let engine = TestEngine.make(store: store, backend: backend, callback: callback, rules: rules, configure: configure)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                try await body(EngineHarness(engine: engine, store: store, callback: callback))
            }
        }
    }

    /// The `reply.markdown` of each callback so far.
    static func replies(_ requests: [RecordedRequest]) throws -> [String] {
        try requests.map { request in
            let object = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
            return ((object?["reply"] as? [String: Any])?["markdown"] as? String) ?? ""
        }
    }
}
