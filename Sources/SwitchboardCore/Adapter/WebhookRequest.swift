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
        return rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            return (name.removingPercentEncoding ?? name, value.removingPercentEncoding ?? value)
        }
    }

    /// The first value of query parameter `name`, percent-decoded.
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}
