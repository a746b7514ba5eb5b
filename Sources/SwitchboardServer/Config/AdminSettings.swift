import SwitchboardCore

/// `admin:` — the operator's console and its JSON API, on a listener of their own. Absent: off.
///
/// ```yaml
/// admin:
///   host: 127.0.0.1        # default: loopback only
///   port: 9090
///   token: ${ADMIN_TOKEN}  # at least 16 characters; signs in to the console, Bearer for the API
/// ```
///
/// With the admin listener on, `/metrics` is served there (and no longer on the main port).
public struct AdminSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 9090
    public var token: String

    public init(token: String, host: String = "127.0.0.1", port: Int = 9090) {
        self.token = token
        self.host = host
        self.port = port
    }

    init(section: ConfigSection) throws {
        token = try section.string("token")
        guard token.count >= 16 else {
            throw section.error("token", "must be at least 16 characters (it guards the console and its API)")
        }
        host = try section.string("host", default: host)
        port = try section.int("port", default: port, range: 0...65535)
        try section.rejectUnknownKeys()
    }
}
