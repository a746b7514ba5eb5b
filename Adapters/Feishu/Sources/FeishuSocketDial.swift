import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import WSClient
@_spi(WSInternal) import WSCore

/// Opens the long connection's WebSocket and, when Feishu refuses the upgrade, keeps the refusal's
/// status and headers — the only place `handshake-status`, `handshake-autherrcode` and
/// `handshake-msg` are said (platforms-2.md §1.4). The SDKs decide from those headers of the failed
/// upgrade itself (`lark_oapi/ws/client.py` `_parse_ws_conn_exception`, Go `ws/client.go`); the
/// one-time URL cannot be asked again. `WebSocketClient` drops a refused upgrade's head, so this
/// dial is the same upgrade with a not-upgraded path that reads it; an accepted socket is then run
/// by the same handler `WebSocketClient` uses (the `WSInternal` SPI of swift-websocket).
enum FeishuSocketDial {
    /// The refused upgrade, as Feishu (or anything in the way) answered it.
    struct Refused: Error, Sendable {
        let status: Int
        let headers: [(String, String)]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name }?.1
        }
    }

    struct Context: WebSocketContext {
        let logger: Logger
    }

    /// Connects to `url` (`ws://` or `wss://`), runs `handler` on the socket, and returns the close
    /// frame when it closes (nil when the connection ended without one); throws ``Refused`` when
    /// the upgrade is refused.
    static func connect(
        url: String, maxFrameSize: Int, closeTimeout: Duration, logger: Logger,
        handler: @escaping WebSocketDataHandler<Context>
    ) async throws -> WebSocketCloseFrame? {
        guard let parsed = URL(string: url), let host = parsed.host, let scheme = parsed.scheme, scheme == "ws" || scheme == "wss" else {
            throw WebSocketClientError.invalidURL
        }
        let tls = scheme == "wss"
        let port = parsed.port ?? (tls ? 443 : 80)
        var path = parsed.path.isEmpty ? "/" : parsed.path
        if let query = parsed.query { path += "?" + query }
        let channel = DialChannel(
            host: host, port: port, path: path, sslContext: tls ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil,
            maxFrameSize: maxFrameSize, closeTimeout: closeTimeout, handler: handler
        )
        return try await ClientConnection(channel, address: .hostname(host, port: port), logger: logger).run()
    }

    private struct DialChannel: ClientConnectionChannel {
        enum Upgrade {
            case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
            case refused(EventLoopFuture<HTTPResponseHead>)
        }

        typealias Value = EventLoopFuture<Upgrade>

        let host: String
        let port: Int
        let path: String
        let sslContext: NIOSSLContext?
        let maxFrameSize: Int
        let closeTimeout: Duration
        let handler: WebSocketDataHandler<Context>

        func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: maxFrameSize) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        .websocket(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
                    }
                }
                var headers = HTTPHeaders()
                let hostHeader = (sslContext == nil && port == 80) || (sslContext != nil && port == 443) ? host : "\(host):\(port)"
                headers.add(name: "Host", value: hostHeader)
                headers.add(name: "Origin", value: "\(sslContext == nil ? "ws" : "wss")://\(host)")
                let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                    upgradeRequestHead: request, upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        // The refusal's head is handed down the pipeline once this returns: read it there.
                        channel.eventLoop.makeCompletedFuture {
                            let head = channel.eventLoop.makePromise(of: HTTPResponseHead.self)
                            try channel.pipeline.syncOperations.addHandler(RefusalReader(head: head))
                            return .refused(head.futureResult)
                        }
                    }
                )
                var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                pipeline.leftOverBytesStrategy = .forwardBytes
                if let sslContext {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: host), position: .first)
                }
                return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
            }
        }

        func handle(value: Value, logger: Logger) async throws -> WebSocketCloseFrame? {
            switch try await value.get() {
            case .websocket(let socket):
                return try await WebSocketHandler.handle(
                    type: .client,
                    configuration: .init(extensions: [], autoPing: .disabled, closeTimeout: closeTimeout, validateUTF8: false, maxFrameSize: maxFrameSize),
                    asyncChannel: socket, context: Context(logger: logger), handler: handler
                )
            case .refused(let head):
                let head = try await head.get()
                throw Refused(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) })
            }
        }
    }

    /// Takes the refused upgrade's response head, then closes the connection.
    private final class RefusalReader: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let head: EventLoopPromise<HTTPResponseHead>

        init(head: EventLoopPromise<HTTPResponseHead>) {
            self.head = head
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let response) = unwrapInboundIn(data) {
                head.succeed(response)
                context.close(promise: nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            head.fail(WebSocketClientError.webSocketUpgradeFailed)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            head.fail(error)
            context.close(promise: nil)
        }
    }
}
