import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import SwitchboardCore
import SwitchboardServer

/// How `switchboard jobs` and `switchboard conversations` reach the state: the running server's
/// admin API when `admin:` is configured and answers, else the store itself (the server is down,
/// or has no admin listener). Either way the JSON printed is the API's.
struct AdminCommandClient {
    let setup: SwitchboardSetup
    let transport: any HTTPTransport
    /// Where the admin API is when not at the configured host and port (`--admin-url`).
    var adminURL: URL?

    enum Call {
        case get(String)
        case post(String, [String: String]?)
    }

    /// Runs `call` on the API, or `direct` on the store; prints the JSON on stdout.
    func run(_ call: Call, apiOnly: Bool = false, direct: (AdminOperations) async throws -> Data) async throws {
        let data: Data
        if let admin = setup.configuration.admin, let answer = try await viaAPI(call, admin: admin) {
            data = answer
        } else if apiOnly {
            printError("error: no server answers on the admin listener; is it running?")
            throw ExitCodeError.failure
        } else {
            let store: any StateStore
            do {
                store = try await setup.state.open()
            } catch {
                printError("error: \(error)")
                throw ExitCodeError.failure
            }
            do {
                data = try await withStoreServices(store) { try await direct(AdminOperations(store: store, setup: setup)) }
            } catch let error as AdminOperationError {
                printError("error: \(error.message)")
                throw ExitCodeError.failure
            }
        }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// The API's answer, or nil when nothing listens there (then the store is used).
    private func viaAPI(_ call: Call, admin: AdminSettings) async throws -> Data? {
        let base: String
        let (host, port): (String, Int)
        if let adminURL, let urlHost = adminURL.host {
            host = urlHost
            port = adminURL.port ?? (adminURL.scheme == "https" ? 443 : 80)
            base = adminURL.absoluteString.hasSuffix("/") ? String(adminURL.absoluteString.dropLast()) : adminURL.absoluteString
        } else {
            guard admin.port != 0 else {
                printError("admin.port is 0 (a port the system picks at start): say where the admin API is with --admin-url http://127.0.0.1:<port> (the port the server logged)")
                return nil
            }
            host = admin.host == "0.0.0.0" ? "127.0.0.1" : admin.host
            port = admin.port
            base = "http://\(host):\(port)"
        }
        // Nothing listening is known at once: AsyncHTTPClient would keep retrying a refused
        // connection until its deadline.
        guard Self.listens(host: host, port: port) else {
            printError("the admin API at \(host):\(port) does not answer; using the state store directly")
            return nil
        }
        var request: OutboundRequest
        switch call {
        case .get(let path):
            request = OutboundRequest(method: .get, url: base + path)
        case .post(let path, let body):
            request = OutboundRequest(
                method: .post, url: base + path, headers: [.contentType: "application/json"],
                body: try JSONSerialization.data(withJSONObject: body ?? [:])
            )
        }
        request.headers[.authorization] = "Bearer \(admin.token)"
        request.timeout = .seconds(60)
        let response: OutboundResponse
        do {
            response = try await transport.execute(request)
        } catch {
            printError("the admin API at \(host):\(port) does not answer; using the state store directly")
            return nil
        }
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status.kind == .successful else {
            let message = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["error"] as? String
            printError("error: \(message ?? "the admin API answered \(response.status.code)")")
            throw ExitCodeError.failure
        }
        return body
    }

    /// Runs `body` with the store's services (a connection pool) running.
    private func withStoreServices<T: Sendable>(_ store: any StateStore, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in store.services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// Exit non-zero after the error was printed.
enum ExitCodeError: Error {
    case failure
}

extension AdminCommandClient {
    /// Whether something accepts TCP connections at `host:port` (an IPv4 address; other hosts are
    /// assumed to, and the HTTP call says otherwise).
    static func listens(host: String, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return true }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}
