public import Foundation
public import HTTPTypes

/// A raw webhook request as the platform sent it: method, path, query, headers and the exact body
/// bytes. Framework-free, so that adapters can be tested from fixtures without a server.
public struct WebhookRequest: Sendable {
    public var method: HTTPRequest.Method
    /// The path without the query, e.g. `/webhooks/feishu-main`.
    public var path: String
    /// The raw query string after `?`, still percent-encoded; nil when there is none.
    public var rawQuery: String?
    public var headers: HTTPFields
    /// The body exactly as received: signatures are computed over these bytes.
    public var body: Data

    public init(method: HTTPRequest.Method, path: String, rawQuery: String? = nil, headers: HTTPFields = [:], body: Data = Data()) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
    }

    /// Splits `url` (`/path?query`) into path and raw query.
    public init(method: HTTPRequest.Method, url: String, headers: HTTPFields = [:], body: Data = Data()) {
        if let mark = url.firstIndex(of: "?") {
            self.init(method: method, path: String(url[..<mark]), rawQuery: String(url[url.index(after: mark)...]), headers: headers, body: body)
        } else {
            self.init(method: method, path: url, rawQuery: nil, headers: headers, body: body)
        }
    }

    /// The query parameters in order, percent-decoded. A `+` is kept as `+`: platforms put base64
    /// (which contains `+`) in query values, and turning it into a space would corrupt it.
    public var queryItems: [(name: String, value: String)] {
        guard let rawQuery, !rawQuery.isEmpty else { return [] }
        return rawQuery.utf8.split(separator: UInt8(ascii: "&")).map { pair in
            let mark = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            let value = mark == pair.endIndex ? pair[mark...] : pair[pair.index(after: mark)...]
            return (Self.percentDecoded(pair[..<mark]), Self.percentDecoded(value))
        }
    }

    /// The first value of query parameter `name`, percent-decoded. Only the value asked for is
    /// decoded: this runs on every webhook, several times.
    public func query(_ name: String) -> String? {
        guard let rawQuery else { return nil }
        let bytes = rawQuery.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            let pair = bytes[start..<end]
            start = end == bytes.endIndex ? end : bytes.index(after: end)
            guard !pair.isEmpty else { continue }
            let mark = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            guard Self.percentDecoded(pair[..<mark]) == name else { continue }
            return mark == pair.endIndex ? "" : Self.percentDecoded(pair[pair.index(after: mark)...])
        }
        return nil
    }

    /// `%XX` escapes decoded; a malformed escape is kept as written, invalid UTF-8 repaired.
    static func percentDecoded(_ bytes: Substring.UTF8View) -> String {
        guard bytes.contains(UInt8(ascii: "%")) else { return String(Substring(bytes)) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), let high = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), high != bytes.endIndex,
                let low = bytes.index(high, offsetBy: 1, limitedBy: bytes.endIndex), low != bytes.endIndex,
                let h = Hex.nibble(bytes[high]), let l = Hex.nibble(bytes[low])
            {
                decoded.append(h << 4 | l)
                index = bytes.index(after: low)
            } else {
                decoded.append(byte)
                index = bytes.index(after: index)
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }
}
