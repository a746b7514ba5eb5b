import Synchronization

/// A count that tasks add to and a test reads — how many calls a fake or a fault rule saw.
public final class Counter: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// Adds one; returns the new count.
    @discardableResult
    public func add() -> Int { count.withLock { $0 += 1; return $0 } }

    public var value: Int { count.withLock { $0 } }
}
