public import Foundation
public import Logging
import Synchronization

/// Whether the state store answers, as the engine, the webhooks and the retention timer see it —
/// so that an outage is said once, in one line, and its end once, instead of an error on every
/// poll. Every caller of the store reports here; the first failure after success logs what is
/// down and that work resumes by itself, the first success after failures logs that it is back.
public final class StoreHealth: Sendable {
    private struct Outage {
        var since: Date
        var failures: Int
    }

    private let outage = Mutex<Outage?>(nil)
    private let logger: Logger
    private let clock: @Sendable () -> Date

    public init(logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.logger = logger
        self.clock = clock
    }

    /// Whether the store is failing now.
    public var isDown: Bool { outage.withLock { $0 != nil } }

    /// A store call failed. A lost lease or a cancellation is not an outage and is not reported.
    public func failed(_ error: any Error) {
        if error is CancellationError { return }
        if case StateStoreError.leaseLost? = error as? StateStoreError { return }
        let first = outage.withLock { outage -> Bool in
            guard outage == nil else {
                outage?.failures += 1
                return false
            }
            outage = Outage(since: clock(), failures: 1)
            return true
        }
        let reason = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        if first {
            logger.error(
                "the state store is unavailable: \(reason); webhooks answer 503 so platforms redeliver, and queued work resumes by itself when it is back"
            )
        } else {
            logger.debug("the state store is still unavailable: \(reason)")
        }
    }

    /// A store call succeeded.
    public func succeeded() {
        guard let ended = outage.withLock({ outage -> Outage? in
            defer { outage = nil }
            return outage
        }) else { return }
        let seconds = Int(clock().timeIntervalSince(ended.since).rounded())
        logger.notice("the state store is back after \(seconds) s (\(ended.failures) failed calls); work resumes")
    }

    /// Runs a store call, reporting how it went.
    public func watch<T>(_ call: () async throws -> T) async throws -> T {
        do {
            let value = try await call()
            succeeded()
            return value
        } catch {
            failed(error)
            throw error
        }
    }
}
