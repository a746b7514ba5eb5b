import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// Replays the burst: each message sent at its time (not waiting for earlier acks, as platforms
/// do not), its ack timed; each WeCom AI-bot message then polled every second, as WeCom does,
/// until its stream finishes.
struct LoadDriver: Sendable {
    let server: String
    let requests: PlatformRequests
    let ledger: LoadLedger
    let client: HTTPClient
    /// WeCom poll latencies (seconds), which are acks too.
    let polls = PollTimes()
    /// Stops polling a stream that has not finished after this long.
    var pollLimit: Double = 600

    func replay(_ messages: [LoadMessage]) async {
        await withTaskGroup(of: Void.self) { group in
            for message in messages where !Task.isCancelled {
                let wait = message.sendAt - ledger.now
                if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
                group.addTask { await deliver(message) }
            }
        }
    }

    private func deliver(_ message: LoadMessage) async {
        guard let request = try? requests.request(for: message) else { return }
        let sent = ledger.now
        ledger.update(message.index) { $0.sent = sent }
        guard let (status, body) = try? await post(request) else { return }
        let acked = ledger.now
        ledger.update(message.index) { record in
            record.acked = acked
            record.ackStatus = status
        }
        guard message.platform == .wecom, status == 200, let first = try? requests.wecomFrame(body) else { return }
        await poll(message, stream: first.id, shown: first.content)
    }

    /// WeCom's refresh polls: one a second until `finish`.
    private func poll(_ message: LoadMessage, stream: String, shown initial: String) async {
        var shown = initial
        var number = 0
        let start = ledger.now
        while ledger.now - start < pollLimit, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            number += 1
            guard let request = try? requests.wecomPoll(message, stream: stream, number: number) else { return }
            let asked = ledger.now
            guard let (status, body) = try? await post(request), status == 200, let frame = try? requests.wecomFrame(body) else { continue }
            let now = ledger.now
            polls.add(now - asked)
            if frame.content != shown {
                shown = frame.content
                ledger.update(message.index) { record in
                    record.updates += 1
                    if record.firstUpdate == nil { record.firstUpdate = now }
                }
            }
            if frame.finish {
                ledger.update(message.index) { record in
                    record.completed = now
                    record.answers += 1
                }
                return
            }
        }
    }

    private func post(_ request: SignedRequest) async throws -> (Int, Data) {
        var outbound = HTTPClientRequest(url: server + request.path)
        outbound.method = .POST
        for (name, value) in request.headers { outbound.headers.add(name: name, value: value) }
        outbound.body = .bytes(ByteBuffer(bytes: request.body))
        let response = try await client.execute(outbound, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(buffer: body))
    }
}

/// Poll latencies, collected from many tasks.
final class PollTimes: Sendable {
    private let times = Mutex<[Double]>([])
    func add(_ seconds: Double) { times.withLock { $0.append(seconds) } }
    var all: [Double] { times.withLock { $0 } }
}
