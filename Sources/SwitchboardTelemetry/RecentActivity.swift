public import Foundation
import Synchronization

/// The last hour, minute by minute, for the console's charts: messages accepted, webhook ack
/// latency and answer time. Process-wide and bounded (60 buckets).
public final class RecentActivity: Sendable {
    public static let shared = RecentActivity()

    public struct Minute: Sendable, Equatable, Codable {
        /// The minute's start.
        public var start: Date
        public var messages = 0
        public var acks = 0
        public var ackSecondsTotal = 0.0
        public var ackSecondsMax = 0.0
        public var answers = 0
        public var answerSecondsTotal = 0.0

        public var ackSecondsMean: Double { acks == 0 ? 0 : ackSecondsTotal / Double(acks) }
        public var answerSecondsMean: Double { answers == 0 ? 0 : answerSecondsTotal / Double(answers) }
    }

    private struct State {
        /// Keyed by minute number since 1970.
        var minutes: [Int: Minute] = [:]
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Date

    public init(clock: @escaping @Sendable () -> Date = { Date() }) {
        self.clock = clock
    }

    public func messageAccepted() {
        update { $0.messages += 1 }
    }

    public func acked(after duration: Duration) {
        let seconds = duration.seconds
        update {
            $0.acks += 1
            $0.ackSecondsTotal += seconds
            $0.ackSecondsMax = max($0.ackSecondsMax, seconds)
        }
    }

    public func answered(after duration: Duration) {
        update {
            $0.answers += 1
            $0.answerSecondsTotal += duration.seconds
        }
    }

    /// The last 60 minutes, oldest first, the current one last (empty minutes included).
    public func lastHour() -> [Minute] {
        let now = Int(clock().timeIntervalSince1970 / 60)
        return state.withLock { state in
            (now - 59...now).map { state.minutes[$0] ?? Minute(start: Date(timeIntervalSince1970: Double($0 * 60))) }
        }
    }

    private func update(_ change: (inout Minute) -> Void) {
        let minute = Int(clock().timeIntervalSince1970 / 60)
        state.withLock { state in
            change(&state.minutes[minute, default: Minute(start: Date(timeIntervalSince1970: Double(minute * 60)))])
            if state.minutes.count > 61 {
                state.minutes = state.minutes.filter { $0.key > minute - 60 }
            }
        }
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
