import Synchronization

/// Remembers keys seen (chats warned about), so that something is logged once per key — up to
/// `limit` keys, then it starts over (a warning may repeat; memory does not grow without bound).
final class FeishuOnce: Sendable {
    private let seen = Mutex<Set<String>>([])
    let limit: Int

    init(limit: Int = 10_000) {
        self.limit = limit
    }

    /// Whether `key` was passed already.
    func isSet(_ key: String) -> Bool {
        seen.withLock { $0.contains(key) }
    }

    /// True the first time `key` is passed.
    func first(_ key: String) -> Bool {
        seen.withLock { seen in
            if seen.count >= limit, !seen.contains(key) { seen.removeAll(keepingCapacity: true) }
            return seen.insert(key).inserted
        }
    }
}
