import Foundation
import Synchronization
import SwitchboardCore

/// Who may use the console: the admin token (compared in constant time) signs a person in to a
/// session (an HttpOnly, SameSite=Strict cookie, `Secure` when the console is served over https)
/// with its own CSRF token for every form; the API takes the token as `Authorization: Bearer`.
///
/// Wrong tokens are counted per client address — the TCP peer, or behind a configured proxy the
/// address it forwards (``AdminClientAddress``) — and in all: after 5 wrong tokens from one client
/// in a minute, or 50 from everyone, more wrong tokens are answered 429. The check and the count
/// are one locked step, so parallel guesses get no more than their share. A correct token is never
/// refused: a limit keyed on a shared proxy address would otherwise lock every admin (and
/// `switchboard jobs` and `reload`) out.
final class AdminAuth: Sendable {
    static let cookieName = "switchboard_admin"
    static let sessionLifetime: TimeInterval = 12 * 3600
    static let failuresPerMinute = 5
    /// Wrong tokens a minute from everyone together.
    static let globalFailuresPerMinute = 50

    struct Session: Sendable {
        var csrf: String
        var expires: Date
        /// What the next page shows once (the result of a form), then forgets.
        var flash: String?
    }

    enum Verdict: Equatable {
        case granted
        case wrong
        /// Wrong, and over this client's (or everyone's) budget for the minute.
        case limited
    }

    private struct State {
        var sessions: [String: Session] = [:]
        var failures: [String: [Date]] = [:]
        var allFailures: [Date] = []
    }

    private let token: String
    private let clock: @Sendable () -> Date
    private let state = Mutex(State())
    /// Whether the console is served over https (`admin.public_url`): cookies carry `Secure`.
    let secureCookies: Bool

    init(token: String, secureCookies: Bool = false, clock: @escaping @Sendable () -> Date) {
        self.token = token
        self.secureCookies = secureCookies
        self.clock = clock
    }

    /// Checks `candidate` for `client` and counts it when wrong, in one step.
    func attempt(_ candidate: String, client: String) -> Verdict {
        if ConstantTime.equals(candidate, token) { return .granted }
        let now = clock()
        return state.withLock { state in
            let recent = (state.failures[client] ?? []).filter { now.timeIntervalSince($0) < 60 }
            state.allFailures = state.allFailures.filter { now.timeIntervalSince($0) < 60 }
            let limited = recent.count >= Self.failuresPerMinute || state.allFailures.count >= Self.globalFailuresPerMinute
            state.failures[client] = recent + [now]
            state.allFailures.append(now)
            // Bounded: forget clients quiet for a minute.
            if state.failures.count > 10_000 {
                state.failures = state.failures.filter { $0.value.contains { now.timeIntervalSince($0) < 60 } }
            }
            return limited ? .limited : .wrong
        }
    }

    /// The `Set-Cookie` value of a session (or of its end, with nil).
    func cookie(_ id: String?) -> String {
        let secure = secureCookies ? "; Secure" : ""
        guard let id else { return "\(Self.cookieName)=; Path=/admin; HttpOnly; SameSite=Strict\(secure); Max-Age=0" }
        return "\(Self.cookieName)=\(id); Path=/admin; HttpOnly; SameSite=Strict\(secure); Max-Age=\(Int(Self.sessionLifetime))"
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

    /// Keeps `message` for the session's next page.
    func setFlash(_ message: String, session id: String) {
        state.withLock { $0.sessions[id]?.flash = message }
    }

    /// The session's flash message, forgotten once read.
    func takeFlash(session id: String) -> String? {
        state.withLock { state in
            defer { state.sessions[id]?.flash = nil }
            return state.sessions[id]?.flash
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

/// The console's client address: the TCP peer, unless that peer is one of `admin.trusted_proxies`
/// — then the address it forwards, read from `X-Forwarded-For` right to left past the trusted
/// proxies (a client's own header cannot choose its address), else `X-Real-IP`.
struct AdminClientAddress: Sendable {
    let trustedProxies: [IPRange]

    func client(peer: String?, forwardedFor: String?, realIP: String?) -> String {
        guard let peer else { return "unknown" }
        guard isTrusted(peer) else { return peer }
        if let forwardedFor {
            let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let client = hops.reversed().first(where: { !isTrusted($0) }) { return client }
            if let first = hops.first { return first }
        }
        return realIP?.trimmingCharacters(in: .whitespaces).nilIfEmpty ?? peer
    }

    private func isTrusted(_ address: String) -> Bool {
        guard let ip = IPAddress(address) else { return false }
        return trustedProxies.contains { $0.contains(ip) }
    }
}

/// An address or a CIDR block (`10.0.0.0/8`, `::1`).
struct IPRange: Sendable, Equatable {
    let base: IPAddress
    let bits: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let base = IPAddress(String(parts[0])) else { return nil }
        let width = base.bytes.count * 8
        let bits = parts.count == 2 ? Int(parts[1]) : width
        guard let bits, (0...width).contains(bits) else { return nil }
        self.base = base
        self.bits = bits
    }

    func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var left = bits
        for (a, b) in zip(address.bytes, base.bytes) {
            guard left > 0 else { return true }
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
