import Synchronization

/// A rate limit shared by every caller of one platform API: at most `rate` calls a second after a
/// burst of `burst`. Callers that find it empty reserve the next free slot and wait for it, so
/// they go out in the order they asked, evenly spaced — the way a platform's own connector paces
/// an app-wide quota (DingTalk's card APIs: platforms-3.md §7).
public final class TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private struct State {
        var tokens: Double
        var refilled: ContinuousClock.Instant
    }

    private let state: Mutex<State>

    /// - Parameters:
    ///   - rate: calls per second, over 0.
    ///   - burst: calls that may go at once after a quiet spell, at least 1.
    public init(rate: Double, burst: Double) {
        precondition(rate > 0 && burst >= 1, "a token bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        state = Mutex(State(tokens: burst, refilled: .now))
    }

    /// Takes a token, waiting for one when none is left. Throws only when cancelled.
    public func acquire() async throws {
        let wait = reserve(now: .now)
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// Takes a token now or reserves the next one; returns how long to wait for it.
    public func reserve(now: ContinuousClock.Instant) -> Duration {
        state.withLock { state in
            let elapsed = now - state.refilled
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.tokens = min(burst, state.tokens + seconds * rate)
            state.refilled = now
            state.tokens -= 1
            guard state.tokens < 0 else { return .zero }
            return .milliseconds(Int64((-state.tokens / rate * 1000).rounded(.up)))
        }
    }
}
