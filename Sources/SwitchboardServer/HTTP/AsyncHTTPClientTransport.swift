public import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
public import SwitchboardCore

/// ``HTTPTransport`` over AsyncHTTPClient: what adapters and backends use in the real server.
public struct AsyncHTTPClientTransport: HTTPTransport {
    let client: HTTPClient
    /// For requests that time their own reads (``OutboundRequest/timesItsOwnReads``).
    let streamClient: HTTPClient
    /// What ``fetchUntrusted(_:)`` may reach: public addresses only until the server applies
    /// `egress:` (at start and on every reload, for every copy of this transport).
    public let egress = EgressSetting()

    /// Uses ``serverClient`` (and its twin without a read timeout for streams) unless given one.
    public init(client: HTTPClient? = nil) {
        self.client = client ?? processClients.standard
        streamClient = client ?? processClients.stream
    }

    /// How many connections the server keeps to one host at most. AsyncHTTPClient's shared
    /// client keeps 8: a ninth Dify stream, or a card update while eight streams are open to the
    /// same host, waits for one of them to end — under a burst answers queued behind each other
    /// and card updates timed out (Benchmarks/load). Each running job holds one backend stream
    /// and at most one platform call, so this follows `engine.concurrency`'s ceiling.
    public static let connectionsPerHost = 8_192

    /// The process-wide client of the server, the CLI and the test kit: the shared client's
    /// browser-like settings (timeouts, redirects, decompression) with ``connectionsPerHost``.
    /// Never shut down, like the shared client. Streams whose caller times its reads go through a
    /// twin without the read timeout, which is re-armed on every read of every connection (a
    /// timer cancelled and scheduled again; Benchmarks/README.md, "Load").
    public static var serverClient: HTTPClient { processClients.standard }
}

/// The egress policy of a transport and its copies, applied by the server.
public final class EgressSetting: Sendable {
    private let value = Mutex(EgressPolicy())

    public var policy: EgressPolicy { value.withLock { $0 } }

    public func apply(_ policy: EgressPolicy) {
        value.withLock { $0 = policy }
    }
}

private let processClients: (standard: HTTPClient, stream: HTTPClient) = {
    var configuration = HTTPClient.Configuration.singletonConfiguration
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = AsyncHTTPClientTransport.connectionsPerHost
    let quiet = Logger(label: "switchboard.http", factory: { _ in SwiftLogNoOpLogHandler() })
    let standard = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: quiet)
    configuration.timeout.read = nil
    let stream = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: quiet)
    return (standard, stream)
}()

extension AsyncHTTPClientTransport {
    /// Through ``EgressFetch``: only to addresses `egress` allows, pinned, each redirect checked.
    public func fetchUntrusted(_ request: OutboundRequest) async throws -> OutboundResponse {
        let (seconds, attoseconds) = request.timeout.components
        return try await EgressFetch(policy: egress.policy).execute(request, timeout: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    public func execute(_ request: OutboundRequest) async throws -> OutboundResponse {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        if let body = request.body {
            outbound.body = .bytes(ByteBuffer(bytes: body))
        }
        let (seconds, attoseconds) = request.timeout.components
        let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let response = try await (request.timesItsOwnReads ? streamClient : client).execute(outbound, timeout: timeout)
        var headers = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return OutboundResponse(
            status: HTTPResponse.Status(code: Int(response.status.code)),
            headers: headers,
            body: HTTPBody(response.body.map { Array(buffer: $0) })
        )
    }
}
