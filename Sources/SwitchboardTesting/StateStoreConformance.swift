import Foundation
public import SwitchboardCore

/// The checks every ``StateStore`` must pass — the in-memory, SQLite and PostgreSQL stores run the
/// same ones, and so can a third party's. Each check gets a fresh, empty store and throws
/// ``ConformanceFailure`` saying what went wrong. It imports no test framework:
///
/// ```swift
/// @Test(arguments: StateStoreConformance.checks)
/// func conformance(_ check: StateStoreConformance.Check) async throws {
///     try await check.run(on: MyStore())
/// }
/// ```
///
/// Time is passed in, never read from a clock, so expiry is tested without waiting.
public enum StateStoreConformance {
    public struct Check: Sendable, CustomStringConvertible {
        public let name: String
        let body: @Sendable (any StateStore) async throws -> Void

        public func run(on store: any StateStore) async throws {
            try await body(store)
        }

        public var description: String { name }
    }

    public static let checks: [Check] = leaseChecks + dedupChecks + jobChecks + concurrencyChecks + mapChecks + operatorChecks
        + featureChecks

    static let t0 = Date(timeIntervalSince1970: 1_718_000_000)
    static let lease = Duration.seconds(30)
    static let ttl = Duration.seconds(3600)

    static func job(_ id: String, key: String = "k", text: String = "你好 🌤") -> Job {
        Job(
            event: ChatEvent(
                id: id, platform: "conformance", bot: "bot", conversation: Conversation(id: key, type: .group, title: "群"),
                sender: Participant(id: "u-1", name: "张三"), text: text, mentionsBot: true,
                segments: [.text(text), .image(MediaReference(mediaID: "m-1"))], messageID: id,
                timestamp: Date(unixMilliseconds: 1_717_999_999_123), replyAddress: ReplyAddress(["reply": "here"])
            ),
            orderingKey: key
        )
    }

    static func leaseJobs(_ store: any StateStore, at time: Date, limit: Int = 10, maxAttempts: Int = 3, owner: String = "replica-a") async throws -> [JobLease] {
        try await store.lease(LeaseRequest(owner: owner, limit: limit, duration: lease, maxAttempts: maxAttempts, now: time))
    }

    static func enqueue(_ store: any StateStore, _ ids: [String], key: String = "k", at time: Date = t0) async throws {
        for id in ids {
            try expect(try await store.enqueue(job(id, key: key), dedupTTL: ttl, now: time), "enqueue of a new job \(id) returned false")
        }
    }
}

/// What a conformance check found wrong.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConformanceFailure(message()) }
}

func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String) throws {
    if actual != expected { throw ConformanceFailure("\(what): got \(actual), expected \(expected)") }
}

func expectLeaseLost(_ what: String, _ operation: () async throws -> Void) async throws {
    do {
        try await operation()
    } catch let error as StateStoreError {
        guard case .leaseLost = error else { throw ConformanceFailure("\(what): threw \(error), expected leaseLost") }
        return
    }
    throw ConformanceFailure("\(what) succeeded with a lease that is no longer held")
}
