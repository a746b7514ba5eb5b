import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Testing

/// A follow-up window ends on the engine's clock: the same person's next group message without an
/// @ is addressed inside it and not after it — told by a clock of the test's, not by sleeping
/// past a short window.
@Suite("Follow-up window", .timeLimit(.minutes(1)))
struct FollowUpWindowTests {
    static func message(_ id: String, sender: String = "u-1", mention: Bool = false) -> ChatEvent {
        ChatEvent(
            id: "bot:\(id)", platform: "generic", bot: "bot", conversation: Conversation(id: "room", type: .group),
            sender: Participant(id: sender), text: "问题 \(id)", mentionsBot: mention, messageID: id, timestamp: Date(timeIntervalSince1970: 1_718_000_000)
        )
    }

    @Test func theWindowEndsOnTheEnginesClock() async throws {
        let clock = ManualClock()
        let store = InMemoryStateStore()
        try await LoopbackServer.withRunning { callback in
            var configuration = EngineConfiguration(replicaID: "follow-up")
            configuration.pollInterval = .milliseconds(20)
            let rule = RoutingRule(name: "group", chatType: .group, trigger: .mention, backend: "b", features: RouteFeatures(followUp: .seconds(60)))
            let engine = Engine(
                store: store, router: RoutingTable(rules: [rule]), backends: ["b": EchoBackend()],
                adapters: ["bot": GenericAdapter(botID: "bot", secret: EngineHarness.secret, callbackURL: URL(string: "\(callback.url)/callback"))],
                transport: AsyncHTTPClientTransport(), configuration: configuration, clock: { clock.read() }
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                func answered(_ count: Int) async throws {
                    _ = try await callback.waitForRequests(count: count)
                    // The window is written after the delivery: wait for the job to end.
                    try await waitUntil("the job's end") { await store.unfinishedJobCount == 0 }
                }
                _ = try await engine.accept([Self.message("m1", mention: true)])
                try await answered(1)
                clock.advance(.seconds(59))
                _ = try await engine.accept([Self.message("m2")])  // inside the window
                try await answered(2)
                // m2's answer opened a new window: 61 s on, it has ended.
                clock.advance(.seconds(61))
                _ = try await engine.accept([Self.message("m3")])  // after it: not addressed
                _ = try await engine.accept([Self.message("m4", sender: "u-2")])  // never addressed
                _ = try await engine.accept([Self.message("m5", mention: true)])  // the fence
                try await answered(3)
            }
            let events = try callback.requests.map { try JSONParser.parse($0.body)["event_id"]?.string ?? "" }
            #expect(events == ["bot:m1", "bot:m2", "bot:m5"])
        }
    }
}
