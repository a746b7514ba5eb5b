import Foundation
import Synchronization

/// Reply state the store did not take (it was unreachable just then), kept in this process so
/// that the job's next attempt here reads what the last one knew: a part that was sent, though
/// its mark could not be written, is not sent again once the store is back.
///
/// Memory only, bounded, oldest forgotten first; an entry goes when a later save of the same key
/// succeeds or its job is completed.
final class UnsavedReplyStates: Sendable {
    private struct Entry {
        var value: Data
        var at: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: [String: Entry]]>([:])
    private let capacity: Int

    init(capacity: Int = 1_000) {
        self.capacity = max(capacity, 1)
    }

    func keep(job: String, key: String, value: Data) {
        entries.withLock { entries in
            entries[job, default: [:]][key] = Entry(value: value, at: .now)
            if entries.count > capacity,
                let oldest = entries.min(by: { ($0.value.values.map(\.at).max() ?? .now) < ($1.value.values.map(\.at).max() ?? .now) })?.key
            {
                entries[oldest] = nil
            }
        }
    }

    func value(job: String, key: String) -> Data? {
        entries.withLock { $0[job]?[key]?.value }
    }

    func saved(job: String, key: String) {
        entries.withLock { entries in
            entries[job]?[key] = nil
            if entries[job]?.isEmpty == true { entries[job] = nil }
        }
    }

    func forget(job: String) {
        _ = entries.withLock { $0.removeValue(forKey: job) }
    }
}
