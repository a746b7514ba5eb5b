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
        GenericMessage(id, "问题 \(id)", chat: "room", group: true, sender: sender, mention: mention, messageID: id).event
    }

    @Test func theWindowEndsOnTheEnginesClock() async throws {
        let clock = ManualClock()
        let base = InMemoryStateStore()
        let polls = Counter()
        let store = FaultInjectingStateStore(base: base) { call in
            if call.operation == .lease { polls.add() }
            return nil
        }
        /// Moves the engine's clock, then waits for a poll that asked with the new time: a poll
        /// that read the clock before would lease a new job with a lease already ended there, and
        /// the next poll would lease it again.
        func advance(_ duration: Duration) async throws {
            clock.advance(duration)
            let seen = polls.value
            try await waitUntil("a poll on the new time") { polls.value >= seen + 2 }
        }
        try await LoopbackServer.withRunning { callback in
            let rule = RoutingRule(name: "group", chatType: .group, trigger: .mention, backend: "b", features: RouteFeatures(followUp: .seconds(60)))
            let engine = TestEngine.make(
                store: store, backend: EchoBackend(), callback: callback, rules: [rule], replicaID: "follow-up", clock: clock
            ) { $0.pollInterval = .milliseconds(20) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                func answered(_ count: Int) async throws {
                    _ = try await callback.waitForRequests(count: count)
                    // The window is written after the delivery: wait for the job to end.
                    try await waitUntil("the job's end") { await base.unfinishedJobCount == 0 }
                }
                _ = try await engine.accept([Self.message("m1", mention: true)])
                try await answered(1)
                try await advance(.seconds(59))
                _ = try await engine.accept([Self.message("m2")])  // inside the window
                try await answered(2)
                // m2's answer opened a new window: 61 s on, it has ended.
                try await advance(.seconds(61))
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
