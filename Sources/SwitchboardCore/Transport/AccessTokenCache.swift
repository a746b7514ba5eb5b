public import SwitchboardTelemetry

/// A platform access token (WeCom `access_token`, Feishu `tenant_access_token`, DingTalk
/// `accessToken`) shared by every send: fetched once, refreshed a margin before it expires, fetched
/// again — by one caller for all — when the platform says it is stale. Platform-free: the adapter
/// supplies the fetch and says which errors mean "token refused".
public actor AccessTokenCache {
    /// A fetched token and how long the platform says it lives.
    public struct Token: Sendable {
        public var value: String
        public var lifetime: Duration

        public init(value: String, lifetime: Duration) {
            self.value = value
            self.lifetime = min(max(lifetime, Self.shortest), Self.longest)
        }

        /// A lifetime as the platform's JSON says it, in seconds: read as a bounded number (a
        /// missing, negative or absurd one — `1e300` — is `fallback`, or the bounds), never trapping.
        public init(value: String, seconds: Double?, fallback: Duration = .seconds(7200)) {
            guard let seconds, seconds.isFinite, seconds > 0 else {
                self.init(value: value, lifetime: fallback)
                return
            }
            self.init(value: value, lifetime: .seconds(min(seconds, Self.longestSeconds)))
        }

        /// Platforms' tokens live two hours; anything outside these bounds is taken as its bound.
        static let shortest: Duration = .seconds(60)
        static let longest: Duration = .seconds(longestSeconds)
        static let longestSeconds = 86_400.0
    }

    private let maximumMargin: Duration
    private let labels: MetricLabels
    private let fetchToken: @Sendable (any HTTPTransport) async throws -> Token
    private var cached: (token: String, refreshAt: ContinuousClock.Instant)?
    /// The one refresh under way, and who waits for it. A waiter that is cancelled (a job that
    /// lost its lease, a service on shutdown) stops waiting at once; when nobody waits any more
    /// the refresh is cancelled too — a shutdown does not wait for a token request to time out.
    private var refreshing: (generation: Int, task: Task<Void, Never>)?
    private var waiting: [Int: CheckedContinuation<String, any Error>] = [:]
    private var generation = 0
    private var nextWaiter = 0
    /// How many times the token was fetched (for tests and the log).
    public private(set) var fetches = 0

    /// - Parameters:
    ///   - refreshMargin: refresh this long before expiry (at most half the lifetime).
    ///   - labels: the bot and platform, for ``MetricName/tokenRefreshes``.
    ///   - fetch: one call to the platform's token API.
    public init(
        refreshMargin: Duration, labels: MetricLabels = MetricLabels(),
        fetch: @escaping @Sendable (any HTTPTransport) async throws -> Token
    ) {
        maximumMargin = refreshMargin
        self.labels = labels
        fetchToken = fetch
    }

    /// A valid token. `rejected` is a token the platform just refused: if it is still the cached
    /// one it is dropped and a new one fetched; if another caller already replaced it, that one is
    /// used.
    public func token(transport: any HTTPTransport, rejected: String? = nil) async throws -> String {
        if let rejected, cached?.token == rejected { cached = nil }
        if let cached, ContinuousClock.now < cached.refreshAt { return cached.token }
        nextWaiter += 1
        let waiter = nextWaiter
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard !Task.isCancelled else { return continuation.resume(throwing: CancellationError()) }
                waiting[waiter] = continuation
                if refreshing == nil {
                    generation += 1
                    let current = generation
                    refreshing = (current, Task { await self.refresh(current, transport: transport) })
                }
            }
        } onCancel: {
            Task { await self.giveUp(waiter) }
        }
    }

    private func refresh(_ current: Int, transport: any HTTPTransport) async {
        let result: Result<String, any Error>
        do {
            result = .success(try await fetch(transport: transport))
        } catch {
            result = .failure(error)
        }
        // Given up on (everyone who waited was cancelled): a newer refresh may be under way.
        guard refreshing?.generation == current else { return }
        refreshing = nil
        let everyone = waiting
        waiting = [:]
        for continuation in everyone.values { continuation.resume(with: result) }
    }

    private func giveUp(_ waiter: Int) {
        guard let continuation = waiting.removeValue(forKey: waiter) else { return }
        continuation.resume(throwing: CancellationError())
        if waiting.isEmpty, let current = refreshing {
            refreshing = nil
            current.task.cancel()
        }
    }

    private func fetch(transport: any HTTPTransport) async throws -> String {
        fetches += 1
        Meter.increment(MetricName.tokenRefreshes, labels)
        let token = try await fetchToken(transport)
        if let bot = labels.value(of: "bot") { BotStatusBoard.shared.tokenFetched(bot: bot, lifetime: token.lifetime) }
        let margin = min(maximumMargin, token.lifetime / 2)
        cached = (token.value, ContinuousClock.now + token.lifetime - margin)
        return token.value
    }

    /// Calls `body` with a token; when it fails with an error `isRejection` recognises, refreshes
    /// once and calls again.
    public func withToken<T: Sendable>(
        transport: any HTTPTransport, isRejection: @Sendable (any Error) -> Bool, _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        let first = try await token(transport: transport)
        do {
            return try await body(first)
        } catch where isRejection(error) {
            let second = try await token(transport: transport, rejected: first)
            return try await body(second)
        }
    }
}
