/// Waits until `condition` holds, checking it every `poll` (10 ms); throws naming `description`
/// after `timeout`. The one wait of the test suites: a deadline always, never a fixed sleep.
///
/// The deadline guards against a hang; it measures nothing. A minute by default: the whole suite
/// starting at once on two cores has left a ready task waiting more than twenty seconds for a
/// thread in its first minute.
///
/// ```swift
/// try await waitUntil("the answer") { callback.requests.count == 1 }
/// ```
public func waitUntil(
    _ description: String, timeout: Duration = .seconds(60), poll: Duration = .milliseconds(10), _ condition: () async throws -> Bool
) async throws {
    _ = try await waitUntilFound(description, timeout: timeout, poll: poll) { try await condition() ? true : nil }
}

/// Waits until `find` returns a value and returns it; throws naming `description` after
/// `timeout`. The condition is asked once more after the deadline, since a busy test process may
/// wake the waiting task late.
///
/// ```swift
/// let port = try await waitUntilFound("the listening banner") { banner.port }
/// ```
public func waitUntilFound<T>(
    _ description: String, timeout: Duration = .seconds(60), poll: Duration = .milliseconds(10), _ find: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        let late = ContinuousClock.now >= deadline
        if let found = try await find() { return found }
        if late { throw WaitTimeout(description: description, timeout: timeout) }
        try await Task.sleep(for: poll)
    }
}

/// Waits until `list` has at least `count` elements and returns them all; throws
/// ``LoopbackTimeout`` (how many were expected, how many came) after `timeout`.
public func waitForCount<Element>(
    _ count: Int, timeout: Duration = .seconds(30), poll: Duration = .milliseconds(10), _ list: () async throws -> [Element]
) async throws -> [Element] {
    var received = 0
    do {
        return try await waitUntilFound("\(count) of them", timeout: timeout, poll: poll) {
            let elements = try await list()
            received = elements.count
            return elements.count >= count ? elements : nil
        }
    } catch is WaitTimeout {
        throw LoopbackTimeout(expected: count, received: received, timeout: timeout)
    }
}

/// What ``waitUntil(_:timeout:poll:_:)`` and ``waitUntilFound(_:timeout:poll:_:)`` throw when
/// the deadline passes: what was awaited and for how long.
public struct WaitTimeout: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var timeout: Duration

    public init(description: String, timeout: Duration) {
        self.description = "timed out after \(timeout) waiting for \(description)"
        self.timeout = timeout
    }
}
