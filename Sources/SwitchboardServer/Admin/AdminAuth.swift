
import Foundation
import Synchronization
import SwitchboardCore

/// Who may use the console: the admin token (compared in constant time) signs a person in to a
/// session (an HttpOnly, SameSite=Strict cookie) with its own CSRF token for every form; the API
/// takes the token as `Authorization: Bearer`. Wrong tokens are rate-limited per client address:
/// after 5 in a minute, every sign-in from there is refused for the rest of that minute.
final class AdminAuth: Sendable {
    static let cookieName = "switchboard_admin"
    static let sessionLifetime: TimeInterval = 12 * 3600
    static let failuresPerMinute = 5

    struct Session: Sendable {
        var csrf: String
        var expires: Date
    }

    private let token: String
    private let clock: @Sendable () -> Date
    private let state = Mutex<(sessions: [String: Session], failures: [String: [Date]])>(([:], [:]))

    init(token: String, clock: @escaping @Sendable () -> Date) {
        self.token = token
        self.clock = clock
    }

    /// Whether `candidate` is the admin token.
    func isToken(_ candidate: String) -> Bool {
        ConstantTime.equals(candidate, token)
    }

    /// True when `client` has used up its wrong tokens for this minute.
    func isLimited(_ client: String) -> Bool {
        let now = clock()
        return state.withLock { state in
            let recent = (state.failures[client] ?? []).filter { now.timeIntervalSince($0) < 60 }
            state.failures[client] = recent.isEmpty ? nil : recent
            return recent.count >= Self.failuresPerMinute
        }
    }

    func recordFailure(_ client: String) {
        let now = clock()
        state.withLock { state in
            state.failures[client, default: []].append(now)
            // Bounded: forget clients quiet for a minute.
            if state.failures.count > 10_000 {
                state.failures = state.failures.filter { $0.value.contains { now.timeIntervalSince($0) < 60 } }
            }
        }
    }

    /// A new session; returns its id (the cookie value).
    func startSession() -> (id: String, session: Session) {
        let id = Self.randomToken()
        let session = Session(csrf: Self.randomToken(), expires: clock().addingTimeInterval(Self.sessionLifetime))
        let now = clock()
        state.withLock { state in
            state.sessions = state.sessions.filter { $0.value.expires > now }
            state.sessions[id] = session
        }
        return (id, session)
    }

    func session(_ id: String?) -> Session? {
        guard let id else { return nil }
        let now = clock()
        return state.withLock { state in
            guard let session = state.sessions[id], session.expires > now else { return nil }
            return session
        }
    }

    func endSession(_ id: String?) {
        guard let id else { return }
        state.withLock { _ = $0.sessions.removeValue(forKey: id) }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
