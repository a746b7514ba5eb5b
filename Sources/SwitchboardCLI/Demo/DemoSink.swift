import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import SwitchboardCore
import SwitchboardServer
import Synchronization

/// The demo's stand-in for the platforms' APIs: a loopback HTTP server that answers each call as
/// the scenarios' ``DemoSinkAnswer``s say and keeps what it was sent, so the demo can print it.
final class DemoSink: Sendable {
    struct Call: Sendable {
        var method: String
        var path: String
        var hasQuery: Bool
        var body: Data
    }

    private final class Log: Sendable {
        let calls = Mutex<[Call]>([])
        let sockets = Mutex<[DemoSinkSocket]>([])
        let url = Mutex("")
    }

    let url: String
    private let log: Log

    private init(url: String, log: Log) {
        self.url = url
        self.log = log
    }

    var calls: [Call] { log.calls.withLock { $0 } }

    /// Waits for a bot to open a WebSocket at a path starting with `pathPrefix`, and claims it.
    func acceptSocket(pathPrefix: String, timeout: Duration) async throws -> DemoSinkSocket {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let socket = log.sockets.withLock({ $0.first { $0.path.hasPrefix(pathPrefix) && $0.claim() } }) { return socket }
            guard ContinuousClock.now < deadline else { throw DemoSocketTimeout(path: pathPrefix) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func withRunning<T: Sendable>(answers: [DemoSinkAnswer], _ body: (DemoSink) async throws -> T) async throws -> T {
        let log = Log()
        let router = Router(context: BasicRequestContext.self)
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method) { request, _ -> Response in
                var request = request
                let buffer = try await request.collectBody(upTo: 16 << 20)
                let path = request.uri.path
                log.calls.withLock { $0.append(Call(method: method.rawValue, path: path, hasQuery: request.uri.query != nil, body: Data(buffer.readableBytesView))) }
                let json = answers.first { $0.matches(method: method.rawValue, path: path) }?.json(log.url.withLock { $0 }) ?? #"{"errcode":0,"errmsg":"ok"}"#
                return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
            }
        }
        // A bot on a long connection opens its socket here; the scenario plays the platform's side.
        let server = HTTPServerBuilder.http1WebSocketUpgrade { request, _, _ in
            .upgrade([:]) { inbound, outbound, _ in
                let socket = DemoSinkSocket(path: request.path ?? "/", writer: outbound)
                log.sockets.withLock { $0.append(socket) }
                try await socket.pump(inbound)
            }
        }
        return try await LoopbackHTTP.run(router: router, server: server) { port in
            let url = "http://127.0.0.1:\(port)"
            log.url.withLock { $0 = url }
            return try await body(DemoSink(url: url, log: log))
        }
    }
}

extension DemoSink.Call {
    /// As the demo prints it: method, path (the query hidden: it may hold a token) and the body.
    var description: String {
        let text: String
        if var json = try? JSONParser.parse(body) {
            // Even the demo's fake secrets are not printed.
            if case .object(var members) = json {
                for key in ["app_secret", "appSecret", "AppSecret", "clientSecret", "secret"] where members[key] != nil { members[key] = "•••" }
                json = .object(members)
            }
            text = String(decoding: (try? EventJSON.encode(json, pretty: true)) ?? body, as: UTF8.self)
        } else {
            text = String(decoding: body, as: UTF8.self)
        }
        return "\(method) \(path)\(hasQuery ? "?…" : "")\n" + text.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    }
}
