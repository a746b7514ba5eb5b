/// `body`'s result, or ``TimeLimitExceeded`` once `limit` has passed — `body` is cancelled then, and
/// the caller does not wait for it to notice. For a call to a store or a network that may hang
/// (a database that stopped answering), where a late answer is worth less than none.
public func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeLimitExceeded(limit: limit) }
        return value
    }
}

/// A call did not finish within its limit.
public struct TimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}
