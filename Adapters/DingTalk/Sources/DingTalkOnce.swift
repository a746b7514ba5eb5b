import Synchronization

/// A flag set once, and whether this call set it (to say something once).
final class DingTalkOnce: Sendable {
    private let flag = Mutex(false)

    var isSet: Bool { flag.withLock { $0 } }

    /// True for the call that sets it.
    func setFirst() -> Bool {
        flag.withLock { value in
            defer { value = true }
            return !value
        }
    }
}
