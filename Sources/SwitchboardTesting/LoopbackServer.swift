public import Foundation
public import Hummingbird
public import HummingbirdCore
public import HTTPTypes
public import SwitchboardCore
import SwitchboardServer
import Synchronization

/// A real HTTP server on `127.0.0.1` and a free port that records every request and answers from a
/// closure (with a `WebhookResponse`, since what it receives are webhooks and API calls): the far side of an end-to-end test (a generic bot's callback, a platform API, Dify).
///
/// ```swift
/// try await LoopbackServer.withRunning { server in
///     // point the code under test at server.url …
///     let requests = try await server.waitForRequests(count: 1)
/// }
/// ```
public final class LoopbackServer: Sendable {
    public typealias Responder = @Sendable (RecordedRequest) async -> WebhookResponse
    public typealias StreamingResponder = @Sendable (RecordedRequest) async -> LoopbackResponse

    public let port: Int
    private let log: RequestLog

    private init(port: Int, log: RequestLog) {
        self.port = port
        self.log = log
    }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The requests received so far, in arrival order.
    public var requests: [RecordedRequest] {
        log.requests.withLock { $0 }
    }

    /// Waits until at least `count` requests have arrived and returns them all; throws after
    /// `timeout`.
    public func waitForRequests(count: Int, timeout: Duration = .seconds(30)) async throws -> [RecordedRequest] {
        try await waitForCount(count, timeout: timeout, poll: .milliseconds(20)) { requests }
    }

    /// Starts a server, runs `body` with it, and stops it. Every answer comes after the `weather`'s
    /// latency (``NetworkWeather/standard`` unless told: the far side is over a network).
    public static func withRunning<T: Sendable>(
        weather: NetworkWeather = .standard,
        respond: @escaping Responder = { _ in WebhookResponse() },
        _ body: (LoopbackServer) async throws -> T
    ) async throws -> T {
        try await withRunning(weather: weather, streaming: { LoopbackResponse(await respond($0)) }, body)
    }

    /// Starts a server whose answers are written piece by piece, with pauses and waits between
    /// the pieces (a streamed API such as Dify's SSE), runs `body` with it, and stops it. The
    /// `weather`'s latency comes before each answer's head.
    public static func withRunning<T: Sendable>(
        weather: NetworkWeather = .standard,
        streaming respond: @escaping StreamingResponder,
        _ body: (LoopbackServer) async throws -> T
    ) async throws -> T {
        let log = RequestLog()
        let router = Router(context: BasicRequestContext.self)
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method) { request, _ -> Response in
                var request = request
                let buffer = try await request.collectBody(upTo: 64 << 20)
                let recorded = RecordedRequest(
                    method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                    headers: request.headers, body: Data(buffer.readableBytesView)
                )
                log.requests.withLock { $0.append(recorded) }
                await weather.wait()
                let answer = await respond(recorded)
                if answer.headDelay > .zero { try? await Task.sleep(for: answer.headDelay) }
                return Response(status: answer.status, headers: answer.headers, body: answer.responseBody)
            }
        }
        return try await runOnLoopback(router: router, server: .http1()) { port in
            try await body(LoopbackServer(port: port, log: log))
        }
    }

    /// Runs a Hummingbird router (and server kind: plain HTTP/1, or with WebSocket upgrades) on
    /// 127.0.0.1 at a free port, calls `body` with the port, and stops the server — the way every
    /// loopback fake of a platform is started.
    public static func runOnLoopback<T: Sendable, Context: RequestContext>(
        router: Router<Context>, server: HTTPServerBuilder, _ body: (Int) async throws -> T
    ) async throws -> T where Context.Source == ApplicationRequestContextSource {
        try await LoopbackHTTP.run(router: router, server: server, body)
    }
}

/// The requests, shared by the route handler and the server object.
private final class RequestLog: Sendable {
    let requests = Mutex<[RecordedRequest]>([])
}

/// One request as the loopback server received it.
public struct RecordedRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String?
    public var headers: HTTPFields
    public var body: Data

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

public struct LoopbackTimeout: Error, CustomStringConvertible {
    public var expected: Int
    public var received: Int
    public var timeout: Duration
    public var description: String { "waited \(timeout) for \(expected) requests; \(received) arrived" }

    public init(expected: Int, received: Int, timeout: Duration) {
        self.expected = expected
        self.received = received
        self.timeout = timeout
    }
}
