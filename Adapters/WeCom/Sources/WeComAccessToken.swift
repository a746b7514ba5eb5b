import Foundation
import SwitchboardCore

/// A self-built app's access token: fetched once with `gettoken`, shared by every send, refreshed
/// before `expires_in` runs out, and fetched again — by one caller for all — when WeCom says it
/// is stale (platforms.md §1d).
actor WeComAccessToken {
    let api: WeComAPI
    let corpID: String
    let secret: String
    private var cached: (token: String, refreshAt: ContinuousClock.Instant)?
    private var refreshing: Task<String, any Error>?
    /// How many times `gettoken` was called (for tests and the log).
    private(set) var fetches = 0

    init(api: WeComAPI, corpID: String, secret: String) {
        self.api = api
        self.corpID = corpID
        self.secret = secret
    }

    /// A valid token. `rejected` is a token WeCom just refused: if it is still the cached one,
    /// it is dropped and a new one fetched; if another caller already replaced it, that one is used.
    func token(transport: any HTTPTransport, rejected: String? = nil) async throws -> String {
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
        let object = try await api.get("/cgi-bin/gettoken", query: [("corpid", corpID), ("corpsecret", secret)], transport: transport)
        guard let token = object["access_token"]?.string, !token.isEmpty else {
            throw WeComAPIError(botID: api.botID, api: "gettoken", kind: .notJSON)
        }
        var lifetime = 7200.0
        if case .number(let seconds)? = object["expires_in"], seconds > 0 { lifetime = seconds }
        // Refresh well before the end: five minutes, or half the lifetime if that is shorter.
        let margin = min(300, lifetime / 2)
        cached = (token, ContinuousClock.now + .seconds(lifetime - margin))
        return token
    }

    /// Calls `body` with a token; when WeCom refuses the token (40014, 42001, 40001), refreshes
    /// once and calls again.
    func withToken<T: Sendable>(transport: any HTTPTransport, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let first = try await token(transport: transport)
        do {
            return try await body(first)
        } catch let error as WeComAPIError where error.isTokenRejected {
            let second = try await token(transport: transport, rejected: first)
            return try await body(second)
        }
    }
}
