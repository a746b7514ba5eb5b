import Foundation
public import HTTPTypes
public import SwitchboardCore
import Synchronization

/// An ``HTTPTransport`` that records every request and answers from a closure — for unit tests of
/// an adapter's delivery without any network. For end-to-end tests prefer ``LoopbackServer``.
public final class RecordingTransport: HTTPTransport {
    public typealias Responder = @Sendable (OutboundRequest) async throws -> OutboundResponse

    private let recorded = Mutex<[OutboundRequest]>([])
    private let responder: Responder

    /// By default every request is answered `200` with an empty body.
    public init(responder: @escaping Responder = { _ in OutboundResponse(status: .ok) }) {
        self.responder = responder
    }

    /// Answers every request with `status` and a JSON `body`.
    public convenience init(status: Int, json body: String) {
        self.init { _ in
            OutboundResponse(status: .init(code: status), headers: [.contentType: "application/json"], body: HTTPBody(Data(body.utf8)))
        }
    }

    public func execute(_ request: OutboundRequest) async throws -> OutboundResponse {
        recorded.withLock { $0.append(request) }
        return try await responder(request)
    }

    /// The requests so far, in order.
    public var requests: [OutboundRequest] {
        recorded.withLock { $0 }
    }
}
