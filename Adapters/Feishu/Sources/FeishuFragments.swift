import Foundation

/// Reassembles an event split into fragments (platforms-2.md §1.6): slots keyed by the frame's
/// `message_id`, filled by `seq` in any order; complete once every slot is filled. A partial
/// message is dropped when no fragment has come for `expiry` (the server re-pushes a message it
/// got no response for). The bytes held for all partial messages together are bounded
/// (``maxBytes``): a fragment past the bound drops its message, so a stream of fragments that
/// never complete cannot grow without end.
struct FeishuFragments {
    private struct Partial {
        var parts: [Data?]
        var touched: ContinuousClock.Instant
    }

    let expiry: Duration
    /// What all partial messages may hold together; a Feishu event is at most a few hundred KB.
    let maxBytes: Int
    private var partials: [String: Partial] = [:]
    private var held = 0

    init(expiry: Duration = .seconds(10), maxBytes: Int = 16 << 20) {
        self.expiry = expiry
        self.maxBytes = maxBytes
    }

    enum Outcome: Equatable {
        /// The whole payload, in order.
        case complete(Data)
        /// More fragments are awaited.
        case waiting
        /// `seq`/`sum` make no sense; the fragment is dropped.
        case invalid(String)
    }

    /// Adds fragment `seq` of `sum` of `messageID`.
    mutating func add(messageID: String, seq: Int, sum: Int, payload: Data, now: ContinuousClock.Instant = .now) -> Outcome {
        expire(now: now)
        guard sum >= 1, sum <= 1024, seq >= 0, seq < sum else { return .invalid("fragment \(seq) of \(sum)") }
        if sum == 1 { return .complete(payload) }
        var partial = partials[messageID] ?? Partial(parts: Array(repeating: nil, count: sum), touched: now)
        guard partial.parts.count == sum else {
            drop(messageID)
            return .invalid("fragments of \(messageID) disagree on their number")
        }
        let replaced = partial.parts[seq]?.count ?? 0
        guard held - replaced + payload.count <= maxBytes else {
            drop(messageID)
            return .invalid("partial messages would hold more than \(maxBytes) bytes; \(messageID) dropped")
        }
        held += payload.count - replaced
        partial.parts[seq] = payload
        partial.touched = now
        if partial.parts.allSatisfy({ $0 != nil }) {
            partials[messageID] = nil
            let whole = partial.parts.reduce(into: Data()) { $0.append($1!) }
            held -= whole.count
            return .complete(whole)
        }
        partials[messageID] = partial
        return .waiting
    }

    /// How many messages wait for fragments.
    var pending: Int { partials.count }

    /// Bytes held for partial messages now.
    var heldBytes: Int { held }

    private mutating func drop(_ messageID: String) {
        guard let partial = partials.removeValue(forKey: messageID) else { return }
        held -= partial.parts.reduce(0) { $0 + ($1?.count ?? 0) }
    }

    private mutating func expire(now: ContinuousClock.Instant) {
        for (id, partial) in partials where now - partial.touched >= expiry { drop(id) }
    }
}
