import Foundation
import Synchronization

/// Event ids this process has seen claimed in the state store, bounded, oldest forgotten first: a
/// redelivery of one of them is known at once, without a transaction on the store's write lock
/// (issue 18 — WeCom and Feishu redeliver while the first delivery is still being acked, and a
/// burst of redeliveries would otherwise queue behind new messages for the lock).
///
/// Only ever a shortcut to the answer the store would give: an id not here goes to the store,
/// which decides (another replica's claims, claims made before a restart); an id here is known
/// while its claim is younger than the dedup TTL. A claim another process made is remembered from
/// the moment this one was told about it, so it may be honoured up to one TTL longer than the
/// store's row — a later redelivery is then dropped rather than answered again.
final class RecentClaims: Sendable {
    private struct State {
        var claimedAt: [String: Date] = [:]
        /// A ring of the ids in `claimedAt`, for evicting the oldest.
        var ring: [String?]
        var next = 0
    }

    private let state: Mutex<State>

    /// About 100 bytes an id: 20,000 ids are a couple of megabytes.
    init(capacity: Int = 20_000) {
        state = Mutex(State(ring: Array(repeating: nil, count: max(capacity, 1))))
    }

    /// Whether `id` is claimed, as far as this process knows, at `now`.
    func contains(_ id: String, now: Date, ttl: Duration) -> Bool {
        state.withLock { state in
            guard let at = state.claimedAt[id] else { return false }
            return now.timeIntervalSince(at) < Double(ttl.components.seconds)
        }
    }

    /// Remembers that the store holds a claim of `id` (made now, or found there now).
    func insert(_ id: String, at now: Date) {
        state.withLock { state in
            if state.claimedAt.updateValue(now, forKey: id) != nil { return }
            if let evicted = state.ring[state.next] { state.claimedAt[evicted] = nil }
            state.ring[state.next] = id
            state.next = (state.next + 1) % state.ring.count
        }
    }
}
