import Foundation
import Synchronization

/// The real `switchboard serve` processes of a chaos run — one per replica, each on a port of its
/// own, all on one state (a SQLite file, or one PostgreSQL schema) — which the monkey kills with
/// SIGKILL and starts again.
final class ChaosCluster: Sendable {
    let directory: URL
    let ports: [Int]
    private let processes: Mutex<[ServerProcess?]>
    private let kills = Mutex(0)
    /// What killed replicas wrote, kept for a failed run's report.
    private let earlier = Mutex<[String]>([])

    init(directory: URL, ports: [Int]) {
        self.directory = directory
        self.ports = ports
        processes = Mutex(Array(repeating: nil, count: ports.count))
    }

    var killCount: Int { kills.withLock { $0 } }

    /// Ports free now (bound and released), so a replica can come back on the same one.
    static func freePorts(_ count: Int) throws -> [Int] {
        try (0..<count).map { _ in
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
            }
            guard bound else { throw CLIError("no free port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    /// Starts replica `index` and waits until it listens.
    func start(_ index: Int) async throws {
        let process = try ServerProcess(
            ["serve", "--config", "chaos.yaml", "--port", String(ports[index]), "--host", "127.0.0.1", "--log-level", "warning"],
            in: directory, environment: ["SWITCHBOARD_CONFIG": ""]
        )
        // Kept before it listens, so that a start that fails can be killed and told.
        processes.withLock { $0[index] = process }
        _ = try await process.port(timeout: .seconds(60))
    }

    /// `kill -9` on replica `index`, if it runs.
    func kill(_ index: Int) async throws {
        guard let process = processes.withLock({ $0[index] }) else { return }
        try await process.kill9()
        earlier.withLock { $0.append("--- replica \(index), killed\n" + process.output) }
        processes.withLock { $0[index] = nil }
        kills.withLock { $0 += 1 }
    }

    func isRunning(_ index: Int) -> Bool {
        processes.withLock { $0[index] != nil }
    }

    /// What each replica wrote on stderr, for a failed run's report.
    var output: String {
        (earlier.withLock { $0 } + processes.withLock { $0 }.enumerated().map { "--- replica \($0.offset)\n\($0.element?.output ?? "(not running)")" })
            .joined(separator: "\n")
    }

    /// Starts every replica that does not run.
    func startAll() async throws {
        for index in ports.indices where !isRunning(index) { try await start(index) }
    }

    /// SIGTERM to every replica.
    func stopAll() async {
        for process in processes.withLock({ $0 }) { _ = try? await process?.terminate(timeout: .seconds(20)) }
        processes.withLock { $0 = Array(repeating: nil, count: ports.count) }
    }
}
