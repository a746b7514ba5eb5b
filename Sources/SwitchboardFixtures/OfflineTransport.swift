public import SwitchboardCore

/// The transport adapters are built with when fixtures are run or made: building and decoding
/// never touch the network, and anything that tries is refused.
public struct OfflineTransport: HTTPTransport {
    public init() {}

    public func execute(_ request: OutboundRequest) async throws -> OutboundResponse {
        throw OfflineTransportError()
    }
}

public struct OfflineTransportError: Error, CustomStringConvertible {
    public var description: String { "fixtures are run without a network" }
}
