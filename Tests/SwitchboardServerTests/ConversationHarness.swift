import Foundation
import SwitchboardCore
import SwitchboardTesting

/// Group messages for the conversation-feature tests, as a generic adapter in another language
/// would send them.
enum Chat {
    static func message(
        _ id: String, _ text: String, sender: String = "u-1", chat: String = "room-1", group: Bool = true, mention: Bool = false,
        replyTo: String? = nil, quote: String? = nil
    ) -> Data {
        GenericMessage(id, text, chat: group ? chat : sender, group: group, sender: sender, mention: mention, messageID: id, replyTo: replyTo, quote: quote).body
    }

    /// The callbacks so far as (event id, text), in arrival order.
    static func replies(_ callback: LoopbackServer) throws -> [(event: String, text: String)] {
        try Callback.all(callback.requests).map { ($0.eventID, $0.markdown) }
    }

    /// Waits until the store has no unfinished job: the answers are delivered and what the engine
    /// remembers after a delivery (the bot's message ids, a follow-up window) is written. (A person
    /// replies seconds after the answer; a test would otherwise race the engine's last step.)
    static func idle(_ store: InMemoryStateStore) async throws {
        try await waitUntil("no unfinished job", timeout: .seconds(30), poll: .milliseconds(20)) { await store.unfinishedJobCount == 0 }
    }

    /// Waits for `count` callbacks, then until the store has no unfinished job — every message
    /// posted so far is answered or dropped, so nothing more can come — and says how many came.
    static func settle(_ callback: LoopbackServer, count: Int, store: InMemoryStateStore) async throws -> Int {
        _ = try await callback.waitForRequests(count: count)
        try await idle(store)
        return callback.requests.count
    }
}
