import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Testing

/// Where the ack promised an answer (the WeCom AI bot's stream frames, `streaming: .frames`),
/// every accepted message gets a word back: a message answered with the one before it says so, and
/// a message over a rate limit gets the notice each time, not only once.
@Suite("Answers the ack promised", .timeLimit(.minutes(5)))
struct PromisedAnswerTests {
    /// The generic adapter, declaring a platform that polls stream frames.
    struct FramesAdapter: ChatAdapter {
        let inner: GenericAdapter
        var platform: String { inner.platform }
        var botID: String { inner.botID }
        var capabilities: AdapterCapabilities {
            AdapterCapabilities(maxMessageBytes: 1 << 20, markdownDialect: .commonMark, streaming: .frames, groupsDeliverUnmentionedMessages: false)
        }
        func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound { try await inner.receive(request, context: context) }
        func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
            try await inner.deliver(reply, to: event, context: context)
        }
    }

    static func message(_ id: String, _ text: String) -> ChatEvent {
        GenericMessage(id, text, chat: "u-1", sender: "u-1").event
    }

    @Test func everyAcceptedMessageIsAnswered() async throws {
        try await LoopbackServer.withRunning { callback in
            let adapter = FramesAdapter(inner: GenericAdapter(botID: "bot", secret: EngineHarness.secret, callbackURL: URL(string: "\(callback.url)/callback")))
            let features = RouteFeatures(debounce: .milliseconds(300), rateLimit: RateLimit(perUser: .init(count: 1, window: .seconds(3600)), window: .sliding, notice: "slow"))
            let engine = TestEngine.make(
                store: InMemoryStateStore(), backend: EchoBackend(), callback: callback, rules: [RoutingRule(name: "all", backend: "b", features: features)],
                replicaID: "frames", adapter: adapter
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                for (id, text) in [("m1", "one"), ("m2", "two"), ("m3", "three")] {
                    _ = try await engine.accept([Self.message(id, text)])
                }
                _ = try await callback.waitForRequests(count: 3)
                _ = try await engine.accept([Self.message("m4", "four")])
                _ = try await callback.waitForRequests(count: 4)
                _ = try await engine.accept([Self.message("m5", "five")])
                _ = try await callback.waitForRequests(count: 5)
            }
            #expect(try EngineHarness.replies(callback.requests) == ["one\ntwo\nthree", Engine.absorbedNotice, Engine.absorbedNotice, "slow", "slow"])
        }
    }
}
