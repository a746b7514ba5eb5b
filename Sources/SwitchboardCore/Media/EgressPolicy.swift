/// Where a fetch that a message or an answer steers may go: a picture an answer links to, a file a
/// generic event names, a platform's download URL. By default only public addresses: loopback,
/// private, shared (CGNAT), link-local — the cloud metadata address among them — unique-local,
/// multicast and reserved ones are refused, so that a chat user cannot have the bot fetch an
/// internal page ("reply exactly: ![a](http://10.0.0.12/…)"). The server checks the address it
/// connects to, after DNS, and again at every redirect (`AsyncHTTPClientTransport`).
///
/// `egress: {allow_hosts: [images.corp.example, "*.intranet.example"], allow_private: true}`:
/// hosts named there may be fetched wherever they resolve; `allow_private` lets private and
/// unique-local addresses through, never loopback, link-local or metadata ones. Platform API
/// calls to configured hosts (`api_base`, Dify's `base_url`) are not fetches of this kind.
public struct EgressPolicy: Sendable, Equatable {
    /// Lowercased host names, or `*.suffix` patterns.
    public var allowHosts: Set<String>
    public var allowPrivate: Bool

    public init(allowHosts: Set<String> = [], allowPrivate: Bool = false) {
        self.allowHosts = Set(allowHosts.map { $0.lowercased() })
        self.allowPrivate = allowPrivate
    }

    /// Reads `egress:`; every mistake names its key.
    public init(config section: ConfigSection?) throws {
        guard let section else {
            self.init()
            return
        }
        let hosts = try section.stringList("allow_hosts") ?? []
        for host in hosts where host.isEmpty || host.contains("/") || host.contains(":") {
            throw section.error("allow_hosts", "must list host names (images.corp.example, *.intranet.example), not URLs: \(host)")
        }
        self.init(allowHosts: Set(hosts), allowPrivate: try section.bool("allow_private", default: false))
        try section.rejectUnknownKeys()
    }

    /// Whether `host` is named in `allow_hosts`.
    public func allows(host: String) -> Bool {
        let host = host.lowercased()
        if allowHosts.contains(host) { return true }
        return allowHosts.contains { $0.hasPrefix("*.") && host.hasSuffix($0.dropFirst(1)) }
    }

    /// Why `host`, resolving to `addresses`, may not be fetched — nil when it may. Every address
    /// must be allowed (a name that also resolves to an internal address is refused).
    public func refusal(host: String, addresses: [IPAddress]) -> String? {
        if allows(host: host) { return nil }
        guard !addresses.isEmpty else { return "\(host) does not resolve" }
        for address in addresses {
            let kind = address.kind
            switch kind {
            case .public: continue
            case .private where allowPrivate: continue
            default: return "\(host) resolves to \(address) (\(kind.rawValue)); add it to egress.allow_hosts to fetch from it"
            }
        }
        return nil
    }
}

/// An IPv4 or IPv6 address as bytes, and what kind of network it belongs to.
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A dotted IPv4 or a colon IPv6 literal (`[…]` brackets allowed); nil for a host name.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let v4 = Self.parseIPv4(text) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            bytes = v6
        } else {
            return nil
        }
    }

    public enum Kind: String, Sendable {
        case `public`
        case loopback, `private`, shared = "shared address space", linkLocal = "link-local or cloud metadata"
        case uniqueLocal = "unique-local", multicast, reserved = "unspecified or reserved"
    }

    public var kind: Kind {
        if bytes.count == 4 { return Self.kind(v4: bytes) }
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible and NAT64 (64:ff9b::/96): the IPv4 inside decides.
        let head = Array(bytes.prefix(12))
        if head == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] || head == [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return Self.kind(v4: Array(bytes.suffix(4)))
        }
        if bytes.allSatisfy({ $0 == 0 }) { return .reserved }
        if bytes.prefix(15).allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
        if bytes[0] == 0xFF { return .multicast }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return .linkLocal }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return .private }  // site-local, deprecated
        if bytes[0] & 0xFE == 0xFC { return .uniqueLocal }
        if head.prefix(12).allSatisfy({ $0 == 0 }) { return .reserved }  // IPv4-compatible, deprecated
        if bytes[0] == 0x01 && bytes[1] == 0x00 && bytes[2...7].allSatisfy({ $0 == 0 }) { return .reserved }  // 100::/64 discard
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return .reserved }  // documentation
        return .public
    }

    private static func kind(v4 b: [UInt8]) -> Kind {
        switch (b[0], b[1]) {
        case (0, _): return .reserved
        case (10, _): return .private
        case (100, 64...127): return .shared  // CGNAT; 100.100.100.200 is Alibaba Cloud's metadata
        case (127, _): return .loopback
        case (169, 254): return .linkLocal  // 169.254.169.254: the cloud metadata address
        case (172, 16...31): return .private
        case (192, 0) where b[2] == 0: return .reserved
        case (192, 0) where b[2] == 2: return .reserved  // TEST-NET-1
        case (192, 168): return .private
        case (198, 18...19): return .reserved  // benchmarking
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return .reserved  // TEST-NET-2, -3
        case (224...239, _): return .multicast
        case (240...255, _): return .reserved
        default: return .public
        }
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigit), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        var text = text
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        var tail: [UInt8] = []
        // A trailing dotted IPv4 (::ffff:1.2.3.4).
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseIPv4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":"), !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var values: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                values.append(value)
            }
            return values
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let needed = 8 - tail.count / 2
        var all: [UInt16]
        if halves.count == 2 {
            guard head.count + rest.count < needed else { return nil }
            all = head + Array(repeating: 0, count: needed - head.count - rest.count) + rest
        } else {
            guard head.count == needed else { return nil }
            all = head
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + tail
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
