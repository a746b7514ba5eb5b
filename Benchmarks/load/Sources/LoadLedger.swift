import Foundation
import Synchronization

/// What happened to one message, in seconds since the burst's start.
struct MessageRecord: Sendable {
    var sent: Double?
    var acked: Double?
    var ackStatus: Int?
    /// Requests Dify received for this message (more than one: the engine asked twice).
    var difyAsks = 0
    var firstToken: Double?
    var lastToken: Double?
    /// Platform updates that showed new text (Feishu content PUTs, WeCom polls whose content grew,
    /// DingTalk session-webhook messages).
    var updates = 0
    var firstUpdate: Double?
    var completed: Double?
    /// Answers the platform received for this message (Feishu replies, DingTalk messages).
    var answers = 0
}

/// Every message's record, shared by the fakes and the driver.
final class LoadLedger: Sendable {
    let start = ContinuousClock.now
    private let records: Mutex<[MessageRecord]>
    /// Feishu card id ▸ message index (learned from the reply that carries the card).
    private let cards = Mutex<[String: Int]>([:])
    /// Calls the fakes did not expect, by method and path.
    private let unexpected = Mutex<[String: Int]>([:])
    private let streams = Mutex((open: 0, peak: 0))

    init(count: Int) {
        records = Mutex(Array(repeating: MessageRecord(), count: count))
    }

    var now: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    func update(_ index: Int, _ change: (inout MessageRecord) -> Void) {
        records.withLock { records in
            guard records.indices.contains(index) else { return }
            change(&records[index])
        }
    }

    var all: [MessageRecord] { records.withLock { $0 } }

    func card(_ id: String, belongsTo index: Int) { cards.withLock { $0[id] = index } }
    func message(ofCard id: String) -> Int? { cards.withLock { $0[id] } }

    func unexpected(_ call: String) { unexpected.withLock { $0[call, default: 0] += 1 } }
    var unexpectedCalls: [String: Int] { unexpected.withLock { $0 } }

    /// Dify streams open at once: counted by the fake as it answers.
    func streamOpened() { streams.withLock { $0.open += 1; $0.peak = max($0.peak, $0.open) } }
    func streamClosed() { streams.withLock { $0.open -= 1 } }
    var peakStreams: Int { streams.withLock { $0.peak } }
}
