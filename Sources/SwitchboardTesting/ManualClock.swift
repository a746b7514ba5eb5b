public import Foundation
import Synchronization

/// A clock that moves only when the test says: hand `read` to an engine (`clock:`) and time-based
/// behaviour — backoffs, follow-up windows — is tested without sleeping through it.
public final class ManualClock: Sendable {
    public let start: Date
    private let now: Mutex<Date>

    public init(start: Date = Date(timeIntervalSince1970: 1_718_000_000)) {
        self.start = start
        now = Mutex(start)
    }

    public func read() -> Date { now.withLock { $0 } }

    /// Sets the time to `seconds` after the start.
    public func set(_ seconds: Double) { now.withLock { $0 = start.addingTimeInterval(seconds) } }

    public func advance(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        now.withLock { $0 = $0.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18) }
    }
}
