import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("Access token cache", .timeLimit(.minutes(5)))
struct AccessTokenCacheTests {
    /// A token API that never answers until let go, counting its calls and their cancellations.
    final class SlowTokenAPI: Sendable {
        let calls = Mutex(0)
        let cancelled = Mutex(0)
        let gate = TestGate()

        func fetch() async throws -> AccessTokenCache.Token {
            calls.withLock { $0 += 1 }
            await withTaskCancellationHandler { await gate.wait() } onCancel: { self.cancelled.withLock { $0 += 1 } }
            try Task.checkCancellation()
            return AccessTokenCache.Token(value: "t-\(calls.withLock { $0 })", lifetime: .seconds(7200))
        }
    }

    @Test("a cancelled caller stops waiting at once; when nobody waits any more the refresh is cancelled (a shutdown does not wait for a token request to time out)")
    func cancelledWaitersCancelTheRefresh() async throws {
        let api = SlowTokenAPI()
        let cache = AccessTokenCache(refreshMargin: .seconds(300)) { _ in try await api.fetch() }
        let transport = RecordingTransport()
        let waiter = Task { try await cache.token(transport: transport) }
        try await waitUntil("the refresh to start") { api.calls.withLock { $0 } == 1 }
        waiter.cancel()
        // Given up while the refresh still hangs (the gate opens only below): it did not wait.
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(!api.gate.isOpen)
        try await waitUntil("the refresh to be cancelled") { api.cancelled.withLock { $0 } == 1 }
        api.gate.open()
        // The next caller starts a fresh refresh and gets its token.
        #expect(try await cache.token(transport: transport) == "t-2")
    }

    @Test("one of two callers cancelled: the other still gets the token of the one refresh")
    func anotherWaiterKeepsTheRefresh() async throws {
        let api = SlowTokenAPI()
        let cache = AccessTokenCache(refreshMargin: .seconds(300)) { _ in try await api.fetch() }
        let transport = RecordingTransport()
        let first = Task { try await cache.token(transport: transport) }
        let second = Task { try await cache.token(transport: transport) }
        try await waitUntil("the refresh to start") { api.calls.withLock { $0 } == 1 }
        try await Task.sleep(for: .milliseconds(50))
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        api.gate.open()
        #expect(try await second.value == "t-1")
        #expect(api.calls.withLock { $0 } == 1 && api.cancelled.withLock { $0 } == 0)
    }
}
