public import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
public import SwitchboardCore

/// An answer of ``LoopbackServer`` that is written piece by piece: the head (after `headDelay`),
/// then each body step in turn, each piece flushed as it is written.
public struct LoopbackResponse: Sendable {
    public enum Step: Sendable {
        /// Bytes, written and flushed.
        case bytes([UInt8])
        /// Silence for a while.
        case pause(Duration)
        /// Silence until the closure returns (a gate the test opens).
        case wait(@Sendable () async -> Void)
        /// The connection is dropped here: the client sees a network error mid-answer.
        case drop
    }

    /// An answer whose connection is dropped before its body: a network error for the client.
    public static var dropped: LoopbackResponse {
        LoopbackResponse(status: .ok, headers: [.contentType: "application/json"], steps: [.bytes(Array("{".utf8)), .drop])
    }

    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    /// Waited before the head is sent: a server that is slow to answer at all.
    public var headDelay: Duration
    public var steps: [Step]

    public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], headDelay: Duration = .zero, steps: [Step] = []) {
        self.status = status
        self.headers = headers
        self.headDelay = headDelay
        self.steps = steps
    }

    /// A whole answer at once.
    public init(_ response: WebhookResponse) {
        self.init(status: response.status, headers: response.headers, steps: response.body.isEmpty ? [] : [.bytes([UInt8](response.body))])
    }

    var responseBody: ResponseBody {
        let steps = self.steps
        return ResponseBody { writer in
            for step in steps {
                switch step {
                case .bytes(let bytes): try await writer.write(ByteBuffer(bytes: bytes))
                case .pause(let duration): try await Task.sleep(for: duration)
                case .wait(let gate): await gate()
                case .drop: throw ConnectionDropped()
                }
            }
            try await writer.finish(nil)
        }
    }
}

private struct ConnectionDropped: Error {}

/// A one-way gate for tests: `wait()` returns once `open()` has been called (at once, if it
/// already was). Core's ``Latch``.
public typealias TestGate = Latch
