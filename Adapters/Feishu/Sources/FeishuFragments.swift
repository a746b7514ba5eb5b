import Foundation

/// Reassembles an event split into fragments (platforms-2.md §1.6): slots keyed by the frame's
/// `message_id`, filled by `seq` in any order; complete once every slot is filled. A partial
/// message is dropped when no fragment has come for `expiry` (the server re-pushes a message it
/// got no response for).
struct FeishuFragments {
    private struct Partial {
        var parts: [Data?]
        var touched: ContinuousClock.Instant
    }

    let expiry: Duration
    private var partials: [String: Partial] = [:]

    init(expiry: Duration = .seconds(10)) {
        self.expiry = expiry
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
            partials[messageID] = nil
            return .invalid("fragments of \(messageID) disagree on their number")
        }
        partial.parts[seq] = payload
        partial.touched = now
        if partial.parts.allSatisfy({ $0 != nil }) {
            partials[messageID] = nil
            return .complete(partial.parts.reduce(into: Data()) { $0.append($1!) })
        }
        partials[messageID] = partial
        return .waiting
    }

    /// How many messages wait for fragments.
    var pending: Int { partials.count }

    private mutating func expire(now: ContinuousClock.Instant) {
        partials = partials.filter { now - $0.value.touched < expiry }
    }
}
