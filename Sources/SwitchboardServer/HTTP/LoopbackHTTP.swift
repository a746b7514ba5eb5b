public import Hummingbird
public import HummingbirdCore
import Logging

/// Runs a Hummingbird router on 127.0.0.1 at a free port for the length of `body`: the demo's
/// sink, and every loopback fake of a platform in the tests.
public enum LoopbackHTTP {
    /// Starts the server (plain HTTP/1, or with WebSocket upgrades), calls `body` with its port,
    /// and stops it.
    public static func run<T: Sendable, Context: RequestContext>(
        router: Router<Context>, server: HTTPServerBuilder = .http1(), _ body: (Int) async throws -> T
    ) async throws -> T where Context.Source == ApplicationRequestContextSource {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "loopback")
        // Stopping the server by cancellation makes Hummingbird log errors that mean nothing here.
        logger.logLevel = .critical
        let app = Application(
            router: router,
            server: server,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw LoopbackNotStarted() }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }
}

/// The loopback server stopped before it listened.
public struct LoopbackNotStarted: Error, CustomStringConvertible {
    public var description: String { "the loopback server stopped before it listened" }
}
