import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// ``HTTPTransport/fetchUntrusted(_:)`` for the real server: the URL's host is resolved here, every
/// address it resolves to is checked against the ``EgressPolicy``, and the request goes to the
/// address that was checked — a client of its own with that address pinned (AsyncHTTPClient's
/// `dnsOverride`, the certificate still checked against the host name), so a name that resolves
/// differently a moment later (DNS rebinding) cannot slip through. Redirects are followed here,
/// each hop checked the same way (at most five; never from https to http).
struct EgressFetch {
    static let maxRedirects = 5

    let policy: EgressPolicy

    func execute(_ request: OutboundRequest, timeout: TimeAmount) async throws -> OutboundResponse {
        var url = request.url
        for _ in 0...Self.maxRedirects {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty else {
                throw EgressRefused("only http(s) URLs with a host are fetched")
            }
            let addresses = try await Self.resolve(host, port: parsed.port ?? (scheme == "https" ? 443 : 80))
            if let refusal = policy.refusal(host: host, addresses: addresses) { throw EgressRefused(refusal) }
            // The address checked is the address connected to; IPv4 first (a loopback test server listens there).
            let client = Self.pinnedClient(host: host, to: addresses.first { $0.bytes.count == 4 } ?? addresses[0])
            let response: HTTPClientResponse
            do {
                var outbound = HTTPClientRequest(url: url)
                outbound.method = .GET
                for field in request.headers { outbound.headers.add(name: field.name.rawName, value: field.value) }
                response = try await client.execute(outbound, timeout: timeout)
            } catch {
                try? await client.shutdown()
                throw error
            }
            if (300..<400).contains(Int(response.status.code)), let location = response.headers.first(name: "location") {
                _ = try? await response.body.collect(upTo: 64 << 10)
                try? await client.shutdown()
                guard let next = URL(string: location, relativeTo: parsed)?.absoluteURL else { throw EgressRefused("a redirect to an unreadable location") }
                if scheme == "https", next.scheme?.lowercased() != "https" { throw EgressRefused("a redirect from https to \(next.scheme ?? "?") is not followed") }
                url = next.absoluteString
                continue
            }
            var headers = HTTPFields()
            for header in response.headers {
                if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
            }
            let closer = ClientCloser(client)
            return OutboundResponse(
                status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers,
                body: HTTPBody(ClosingBody(base: response.body, closer: closer))
            )
        }
        throw EgressRefused("more than \(Self.maxRedirects) redirects")
    }

    /// A client for one fetch: `host` connects to `address`, redirects are not followed by it.
    static func pinnedClient(host: String, to address: IPAddress) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .ratio(100))
        configuration.dnsOverride = [host: address.description]
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Every address `host` resolves to (a literal address is itself), off the event loops.
    static func resolve(_ host: String, port: Int) async throws -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &result)
            guard status == 0, let first = result else { throw EgressRefused("\(host) does not resolve") }
            defer { freeaddrinfo(first) }
            var addresses: [IPAddress] = []
            var next: UnsafeMutablePointer<addrinfo>? = first
            while let info = next {
                if let sockaddr = info.pointee.ai_addr {
                    switch Int32(info.pointee.ai_family) {
                    case AF_INET:
                        let bytes = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                            withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                        }
                        if let address = IPAddress(bytes: bytes) { addresses.append(address) }
                    case AF_INET6:
                        let bytes = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                            withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                        }
                        if let address = IPAddress(bytes: bytes) { addresses.append(address) }
                    default:
                        break
                    }
                }
                next = info.pointee.ai_next
            }
            return addresses
        }
    }
}

/// Shuts a fetch's own client down once its body has been read, or abandoned.
final class ClientCloser: Sendable {
    let client: HTTPClient

    init(_ client: HTTPClient) {
        self.client = client
    }

    deinit {
        client.shutdown { _ in }
    }
}

/// The body of a fetch, keeping its client alive while it is read.
struct ClosingBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let base: HTTPClientResponse.Body
    let closer: ClientCloser

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let closer: ClientCloser

        mutating func next() async throws -> [UInt8]? {
            try await base.next().map { Array(buffer: $0) }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), closer: closer)
    }
}
