import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Synchronization
import Testing

/// The server's HTTP client keeps many connections to one host: thousands of answers stream from
/// one Dify at once, and card updates go to one platform host beside them. (AsyncHTTPClient's
/// shared client keeps 8: the ninth request waited for one of the first eight to end.)
@Suite("Outbound connections", .timeLimit(.minutes(5)))
struct OutboundConnectionTests {
    @Test("64 streams to one host are open at once: each answers only when all 64 have arrived")
    func manyStreamsToOneHost() async throws {
        let streams = 64
        let arrived = Mutex(0)
        let all = TestGate()
        try await LoopbackServer.withRunning(streaming: { _ in
            if arrived.withLock({ $0 += 1; return $0 }) == streams { all.open() }
            return LoopbackResponse(status: .ok, headers: [.contentType: "text/event-stream"], steps: [.bytes(Array("data: open\n\n".utf8)), .wait({ await all.wait() }), .bytes(Array("data: done\n\n".utf8))])
        }) { server in
            let transport = AsyncHTTPClientTransport()
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for number in 0..<streams {
                    group.addTask {
                        do {
                            let response = try await transport.execute(OutboundRequest(method: .get, url: server.url + "/stream/\(number)", timeout: .seconds(10)))
                            return String(decoding: try await response.body.collect(upTo: 1 << 16), as: UTF8.self)
                        } catch {
                            all.open()  // the streams that did open end, and the test fails here
                            throw error
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(bodies.count == streams)
            #expect(bodies.allSatisfy { $0.hasSuffix("data: done\n\n") })
            #expect(arrived.withLock { $0 } == streams)
        }
    }
}
