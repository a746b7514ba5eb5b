import Hummingbird
import Logging
import NIOCore

/// The admin listener's request context: the client's address, for rate-limiting wrong tokens.
struct AdminRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var client: String { remoteAddress?.ipAddress ?? "unknown" }
}
