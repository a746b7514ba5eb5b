public import Foundation
import SwitchboardCore

/// `admin:` — the operator's console and its JSON API, on a listener of their own. Absent: off.
///
/// ```yaml
/// admin:
///   host: 127.0.0.1        # default: loopback only
///   port: 9090
///   token: ${ADMIN_TOKEN}  # at least 16 characters; signs in to the console, Bearer for the API
///   public_url: https://admin.corp.example   # where people reach it (through a TLS proxy); https ▸ Secure cookies
///   trusted_proxies: [127.0.0.1, 10.0.0.0/8]  # peers whose X-Forwarded-For names the client
/// ```
///
/// With the admin listener on, `/metrics` is served there (and no longer on the main port).
public struct AdminSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 9090
    public var token: String
    /// Where people reach the console, when not at `host:port` (a TLS-terminating proxy): an
    /// `https` URL makes the session cookie `Secure`.
    public var publicURL: URL?
    /// Addresses or CIDR blocks of the proxies in front of the console, whose `X-Forwarded-For`
    /// says who the client is (for counting wrong tokens per person, not per proxy).
    public var trustedProxies: [String] = []

    public init(token: String, host: String = "127.0.0.1", port: Int = 9090) {
        self.token = token
        self.host = host
        self.port = port
    }

    /// Whether the console is served over https (declared by `public_url`).
    public var isTLS: Bool { publicURL?.scheme?.lowercased() == "https" }

    /// Whether `host` is a loopback address (the console only reachable from this machine).
    public var isLoopbackOnly: Bool { ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()) }

    /// A warning for a console reachable from the network without TLS in front of it.
    public var exposureWarning: String? {
        guard !isLoopbackOnly, !isTLS else { return nil }
        return "admin.host is \(host): the console is reachable from the network, and without a TLS terminator (admin.public_url: https://…) its token and session cookie travel in clear text; put it behind your VPN or a TLS-terminating proxy"
    }

    init(section: ConfigSection) throws {
        token = try section.string("token")
        guard token.count >= 16 else {
            throw section.error("token", "must be at least 16 characters (it guards the console and its API)")
        }
        host = try section.string("host", default: host)
        port = try section.int("port", default: port, range: 0...65535)
        publicURL = try section.optionalURL("public_url")
        trustedProxies = try section.stringList("trusted_proxies") ?? []
        for proxy in trustedProxies where IPRange(proxy) == nil {
            throw section.error("trusted_proxies", "must list IP addresses or CIDR blocks (10.0.0.0/8), not \(proxy)")
        }
        try section.rejectUnknownKeys()
    }
}
