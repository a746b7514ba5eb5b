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
            self.lifetime = lifetime
        }
    }

    private let maximumMargin: Duration
    private let labels: MetricLabels
    private let fetchToken: @Sendable (any HTTPTransport) async throws -> Token
    private var cached: (token: String, refreshAt: ContinuousClock.Instant)?
    private var refreshing: Task<String, any Error>?
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
        if let refreshing { return try await refreshing.value }
        let task = Task { try await fetch(transport: transport) }
        refreshing = task
        defer { refreshing = nil }
        return try await task.value
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
