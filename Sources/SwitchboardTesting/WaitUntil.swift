/// Waits until `condition` holds, checking it every `poll` (10 ms); throws naming `description`
/// after `timeout`. The one wait of the test suites: a deadline always, never a fixed sleep.
///
/// ```swift
/// try await waitUntil("the answer") { callback.requests.count == 1 }
/// ```
public func waitUntil(
    _ description: String, timeout: Duration = .seconds(20), poll: Duration = .milliseconds(10), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw FixtureError("timed out after \(timeout) waiting for \(description)") }
        try await Task.sleep(for: poll)
    }
}
