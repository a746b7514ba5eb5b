public import Foundation
import HTTPTypes
import SwitchboardCore

/// Two loopback servers for the egress tests: an *internal* one that nothing may reach (it counts
/// the requests it gets: a dashboard behind the firewall, the cloud's metadata service) and a
/// *files* one reached as `localhost` — the host a test names in `egress.allow_hosts` — that
/// serves a PNG at `/files/chart.png` and at `/redirect` sends the client to the internal one.
public struct EgressServers: Sendable {
    public let files: LoopbackServer
    public let `internal`: LoopbackServer

    /// A PNG: the signature and a few bytes.
    public static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("chart-bytes".utf8)

    /// The allowed picture, by the allowed host name.
    public var allowedPicture: String { "http://localhost:\(files.port)/files/chart.png" }
    /// A picture on the internal server, by its address.
    public var internalPicture: String { "\(`internal`.url)/render/dashboard.png" }
    /// A picture on the allowed host that redirects to the internal one.
    public var redirectingPicture: String { "http://localhost:\(files.port)/redirect" }
    /// `egress:` allowing the files server only.
    public static let yaml = "egress: {allow_hosts: [localhost]}"

    public static func withRunning<T: Sendable>(_ body: (EgressServers) async throws -> T) async throws -> T {
        try await LoopbackServer.withRunning(respond: { _ in WebhookResponse(status: .ok, headers: [.contentType: "image/png"], body: png) }) { inside in
            try await LoopbackServer.withRunning(respond: { request in
                switch request.path {
                case "/files/chart.png": WebhookResponse(status: .ok, headers: [.contentType: "image/png"], body: png)
                case "/redirect": WebhookResponse(status: .found, headers: [.location: inside.url + "/render/dashboard.png"])
                default: WebhookResponse(status: .notFound)
                }
            }) { files in
                try await body(EgressServers(files: files, internal: inside))
            }
        }
    }
}
