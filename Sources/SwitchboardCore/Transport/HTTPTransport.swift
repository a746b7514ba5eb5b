public import Foundation
public import HTTPTypes

/// Outbound HTTP, as adapters and backends see it. The server provides an AsyncHTTPClient
/// implementation; tests provide a recording one or point at a loopback server.
public protocol HTTPTransport: Sendable {
    /// Sends the request and returns once the response head has arrived; the body streams.
    /// Throws on a network failure or timeout, not on an HTTP error status.
    func execute(_ request: OutboundRequest) async throws -> OutboundResponse

    /// A GET of a URL that a message or an answer chose — a picture an answer links to, a file a
    /// generic event names, a platform's download link — under the server's ``EgressPolicy``:
    /// only to addresses the policy allows, checked on the address connected to and again on
    /// every redirect; a refusal throws ``EgressRefused``. ``MediaDownload`` fetches through it.
    /// By default the same as ``execute(_:)`` (a test's transport, say).
    func fetchUntrusted(_ request: OutboundRequest) async throws -> OutboundResponse
}

extension HTTPTransport {
    public func fetchUntrusted(_ request: OutboundRequest) async throws -> OutboundResponse {
        try await execute(request)
    }
}

/// A fetch the egress policy refused, said for people (the URL's host and why, never its path).
public struct EgressRefused: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

public struct OutboundRequest: Sendable {
    public var method: HTTPRequest.Method
    /// An absolute `http(s)://` URL.
    public var url: String
    public var headers: HTTPFields
    public var body: Data?
    /// How long the whole exchange may take, reading the body included: a streaming caller sets
    /// it as long as the longest stream it will wait for.
    public var timeout: Duration
    /// The caller times the silences of the body itself (a streamed answer with its own idle
    /// timeout): the transport then keeps no read timeout of its own, which it would re-arm on
    /// every read of the stream.
    public var timesItsOwnReads: Bool

    public init(
        method: HTTPRequest.Method, url: String, headers: HTTPFields = [:], body: Data? = nil, timeout: Duration = .seconds(30),
        timesItsOwnReads: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.timesItsOwnReads = timesItsOwnReads
    }
}

public struct OutboundResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    /// The body as it arrives; read it once.
    public var body: HTTPBody

    public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: HTTPBody = HTTPBody()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
