import Foundation
@testable import SwitchboardCLI
import SwitchboardCore
import SwitchboardServer
import Testing

/// `serve` sizes NIO's event loops by the CPU affinity it was started with: pinned to one core of
/// several, it runs one loop thread, not one per core of the machine (all on that one core).
@Suite("Event-loop threads and CPU affinity", .timeLimit(.minutes(5)))
struct EventLoopThreadsTests {
    @Test("Cpus_allowed_list is counted: single cores, ranges, both; anything else is no answer")
    func allowedCores() throws {
        let directory = try scratchDirectory()
        func count(_ list: String) throws -> Int? {
            let file = directory.appendingPathComponent("status-\(UUID().uuidString)")
            try "Name:\tswitchboard\nCpus_allowed:\tff\nCpus_allowed_list:\t\(list)\nMems_allowed:\t1\n".write(to: file, atomically: true, encoding: .utf8)
            return EventLoopThreads.allowedCores(status: file.path)
        }
        #expect(try count("0") == 1)
        #expect(try count("0-3") == 4)
        #expect(try count("0-3,6,8-9") == 7)
        #expect(try count("") == nil)
        #expect(try count("a-b") == nil)
        #expect(EventLoopThreads.allowedCores(status: directory.appendingPathComponent("missing").path) == nil)
    }

    @Test("serve pinned to one core runs one NIO event-loop thread")
    func pinnedServeRunsOneLoop() async throws {
        #expect(try await Self.loopThreads(pinnedTo: 0) == 1)
    }

    /// The other side: unpinned, it runs a loop per core it may use — so on a machine of several
    /// cores the pinned test above shows the pin mattered (on one core both are one).
    @Test("serve not pinned runs one loop per core it may use")
    func unpinnedServeRunsALoopPerCore() async throws {
        let allowed = try #require(EventLoopThreads.allowedCores())
        #expect(try await Self.loopThreads(pinnedTo: nil) == allowed)
    }

    /// NIO's shared event-loop threads of a `serve` process, once it answered a request.
    static func loopThreads(pinnedTo core: Int?) async throws -> Int {
        let server = try ServerProcess(
            ["serve", "--port", "0"], in: try scratchDirectory(), environment: ["SWITCHBOARD_CONFIG": "", "SWITCHBOARD_LOCAL_SECRET": ""],
            pinnedTo: core
        )
        let port = try await server.port()
        // The server listens on NIO's shared loops, which the HTTP client uses too.
        let response = try await AsyncHTTPClientTransport().execute(OutboundRequest(method: .get, url: "http://127.0.0.1:\(port)/healthz"))
        #expect(response.status == .ok)
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.pid)/task").compactMap {
            try? String(contentsOfFile: "/proc/\(server.pid)/task/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try await server.terminate() == 0)
        return threads.filter { $0.hasPrefix("NIO-SGLTN") }.count
    }
}
