import Foundation
import Synchronization

/// The real `switchboard serve` processes of a chaos run — one per replica, each on a port the
/// system gives it and the server reports, all on one state (a SQLite file, or one PostgreSQL
/// schema) — which the monkey kills with SIGKILL and starts again. A replica started again comes
/// back on a new port, as a container does behind its load balancer: the port it had may be
/// another test's by then.
final class ChaosCluster: Sendable {
    let directory: URL
    let replicas: Int
    private let processes: Mutex<[ServerProcess?]>
    private let lastPorts: Mutex<[Int]>
    private let kills = Mutex(0)
    /// What killed replicas wrote, kept for a failed run's report.
    private let earlier = Mutex<[String]>([])

    init(directory: URL, replicas: Int) {
        self.directory = directory
        self.replicas = replicas
        processes = Mutex(Array(repeating: nil, count: replicas))
        lastPorts = Mutex(Array(repeating: 0, count: replicas))
    }

    var killCount: Int { kills.withLock { $0 } }

    /// The ports of the replicas running now (the last known ones if none is).
    var ports: [Int] {
        let running = processes.withLock { $0.map { $0 != nil } }
        let ports = lastPorts.withLock { $0 }
        let live = zip(ports, running).filter { $0.1 && $0.0 != 0 }.map(\.0)
        return live.isEmpty ? ports.filter { $0 != 0 } : live
    }

    /// Starts replica `index` and waits until it listens.
    func start(_ index: Int) async throws {
        let process = try ServerProcess(
            ["serve", "--config", "chaos.yaml", "--port", "0", "--host", "127.0.0.1", "--log-level", "warning"],
            in: directory, environment: ["SWITCHBOARD_CONFIG": ""]
        )
        // Kept before it listens, so that a start that fails can be killed and told.
        processes.withLock { $0[index] = process }
        let port = try await process.port(timeout: .seconds(60))
        lastPorts.withLock { $0[index] = port }
    }

    /// `kill -9` on replica `index`, if it runs; `counted` unless it is a start that failed.
    func kill(_ index: Int, counted: Bool = true) async throws {
        guard let process = processes.withLock({ $0[index] }) else { return }
        try await process.kill9()
        earlier.withLock { $0.append("--- replica \(index), killed\n" + process.output) }
        processes.withLock { $0[index] = nil }
        if counted { kills.withLock { $0 += 1 } }
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
        for index in 0..<replicas where !isRunning(index) { try await start(index) }
    }

    /// SIGTERM to every replica.
    func stopAll() async {
        for process in processes.withLock({ $0 }) { _ = try? await process?.terminate(timeout: .seconds(20)) }
        processes.withLock { $0 = Array(repeating: nil, count: replicas) }
    }
}
