import Foundation
import HummingbirdWebSocket
import NIOCore
import SwitchboardCore
import Synchronization

/// A WebSocket a demo bot opened to the sink: what the bot sent, buffered until the scenario reads
/// it, and the writer the scenario answers through while the socket is open.
final class DemoSinkSocket: DemoSocket {
    private struct State {
        var inbound: [DemoSocketMessage] = []
        var closed = false
        var claimed = false
    }

    let path: String
    private let writer: WebSocketOutboundWriter
    private let state = Mutex(State())

    init(path: String, writer: WebSocketOutboundWriter) {
        self.path = path
        self.writer = writer
    }

    /// Runs for as long as the bot keeps the socket open.
    func pump(_ inbound: WebSocketInboundStream) async throws {
        defer { state.withLock { $0.closed = true } }
        for try await message in inbound.messages(maxSize: 16 << 20) {
            let received: DemoSocketMessage = switch message {
            case .text(let text): .text(text)
            case .binary(let buffer): .binary(Data(buffer.readableBytesView))
            }
            state.withLock { $0.inbound.append(received) }
        }
    }

    /// True for the first caller only: a socket is given to one scenario.
    func claim() -> Bool {
        state.withLock { state in
            defer { state.claimed = true }
            return !state.claimed && !state.closed
        }
    }

    func send(_ message: DemoSocketMessage) async throws {
        switch message {
        case .text(let text): try await writer.write(.text(text))
        case .binary(let data): try await writer.write(.binary(ByteBuffer(bytes: data)))
        }
    }

    func receive(timeout: Duration) async throws -> DemoSocketMessage? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (next, closed) = state.withLock { state in (state.inbound.isEmpty ? nil : state.inbound.removeFirst(), state.closed) }
            if let next { return next }
            if closed { return nil }
            guard ContinuousClock.now < deadline else { throw DemoSocketTimeout(path: path) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

struct DemoSocketTimeout: Error, CustomStringConvertible {
    var path: String
    var description: String { "the demo bot sent nothing on its socket \(path) in time" }
}
