import Synchronization

/// Remembers keys seen (chats warned about), so that something is logged once per key.
final class FeishuOnce: Sendable {
    private let seen = Mutex<Set<String>>([])

    /// True the first time `key` is passed.
    func first(_ key: String) -> Bool {
        seen.withLock { $0.insert(key).inserted }
    }
}
