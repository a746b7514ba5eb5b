public import Foundation
public import ServiceLifecycle
public import SwitchboardCore
import Synchronization

/// A ``StateStore`` that forwards to another one, failing the calls a test chooses: a store that
/// goes away for a while, renewals that fail, a lease taken by someone else. The far side of the
/// boundary is still a real store; only the failures are made up.
public final class FaultInjectingStateStore: StateStore {
    /// The store operations, as a fault rule sees them.
    public enum Operation: String, Sendable, CaseIterable {
        case claim, holdLease, releaseLease, enqueue, lease, renew, complete, fail, release, queueStats
        case jobs, job, replyStates, retryJob, discardJob
        case conversation, saveConversation, resetConversation, resetConversations, replyState, saveReplyState, purge
        case setMark, isMarked, countHit, addToBurst, claimBurst
    }

    /// What a fault rule is told about a call.
    public struct Call: Sendable {
        public var operation: Operation
        /// The lease's token, for lease operations; the owner asking, for `lease`.
        public var token: String?
        public var owner: String?
    }

    /// Returns the error to throw for a call, or nil to forward it.
    public typealias Rule = @Sendable (Call) -> (any Error)?

    /// What an unreachable store says, in one line.
    public struct Unavailable: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "the state store is unreachable (injected fault)" }
    }

    public let base: any StateStore
    private let rule: Mutex<Rule>
    /// Tokens of the leases handed out, by owner.
    private let leasedBy = Mutex<[String: [String]]>([:])
    /// Operations that do not answer (a database that stopped responding) until taken off.
    private let hanging = Mutex<Set<Operation>>([])
    /// Operations whose next call is lost: it never answers and ignores cancellation, until
    /// ``releaseLostCalls()``.
    private let losing = Mutex<Set<Operation>>([])
    private let lostCalls = Latch()
    private let lost = Mutex(0)

    public init(base: any StateStore, rule: @escaping Rule = { _ in nil }) {
        self.base = base
        self.rule = Mutex(rule)
    }

    /// Replaces the fault rule.
    public func setRule(_ rule: @escaping Rule) {
        self.rule.withLock { $0 = rule }
    }

    /// Every call fails with ``Unavailable`` while `down` is true.
    public func setDown(_ down: Bool) {
        setRule { _ in down ? Unavailable() : nil }
    }

    /// `operations` stop answering — they wait, until cancelled or taken off — as calls to a
    /// database that is unreachable without refusing do.
    public func setHanging(_ operations: Set<Operation>) {
        hanging.withLock { $0 = operations }
    }

    /// The next call of `operation` is lost, as a driver loses a request while its database
    /// restarts: it never answers and does not notice cancellation — until
    /// ``releaseLostCalls()`` (call it before the test ends).
    public func loseNextCall(of operation: Operation) {
        _ = losing.withLock { $0.insert(operation) }
    }

    /// How many calls were lost so far.
    public var lostCallCount: Int { lost.withLock { $0 } }

    /// Lets the lost calls go on (to the real store).
    public func releaseLostCalls() { lostCalls.open() }

    private func hangIfAsked(_ operation: Operation) async throws {
        if losing.withLock({ $0.remove(operation) }) != nil {
            lost.withLock { $0 += 1 }
            await lostCalls.wait()
        }
        while hanging.withLock({ $0.contains(operation) }) { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// The tokens of the leases given to `owner`, oldest first.
    public func tokens(leasedBy owner: String) -> [String] {
        leasedBy.withLock { $0[owner] ?? [] }
    }

    private func check(_ operation: Operation, token: String? = nil, owner: String? = nil) throws {
        let rule = self.rule.withLock { $0 }
        if let error = rule(Call(operation: operation, token: token, owner: owner)) { throw error }
    }

    public func claim(_ key: String, ttl: Duration, now: Date) async throws -> Bool {
        try check(.claim)
        return try await base.claim(key, ttl: ttl, now: now)
    }

    public func enqueue(_ job: Job, dedupTTL: Duration, now: Date) async throws -> Bool {
        try check(.enqueue)
        return try await base.enqueue(job, dedupTTL: dedupTTL, now: now)
    }

    public func lease(_ request: LeaseRequest) async throws -> [JobLease] {
        try check(.lease, owner: request.owner)
        try await hangIfAsked(.lease)
        let leases = try await base.lease(request)
        leasedBy.withLock { $0[request.owner, default: []] += leases.map(\.token) }
        return leases
    }

    public func renew(_ lease: JobLease, for duration: Duration, now: Date) async throws -> JobLease {
        try check(.renew, token: lease.token)
        try await hangIfAsked(.renew)
        return try await base.renew(lease, for: duration, now: now)
    }

    public func complete(_ lease: JobLease, now: Date) async throws {
        try check(.complete, token: lease.token)
        try await hangIfAsked(.complete)
        try await base.complete(lease, now: now)
    }

    public func fail(_ lease: JobLease, error: String, retryAt: Date?, now: Date) async throws {
        try check(.fail, token: lease.token)
        try await base.fail(lease, error: error, retryAt: retryAt, now: now)
    }

    public func release(_ lease: JobLease) async throws {
        try check(.release, token: lease.token)
        try await base.release(lease)
    }

    public func queueStats() async throws -> QueueStats {
        try check(.queueStats)
        return try await base.queueStats()
    }

    public func jobs(_ query: JobQuery) async throws -> [JobRecord] {
        try check(.jobs)
        return try await base.jobs(query)
    }

    public func job(id: String) async throws -> JobRecord? {
        try check(.job)
        return try await base.job(id: id)
    }

    public func replyStates(job: String) async throws -> [String: Data] {
        try check(.replyStates)
        return try await base.replyStates(job: job)
    }

    public func retryJob(id: String, now: Date) async throws -> JobActionResult {
        try check(.retryJob)
        return try await base.retryJob(id: id, now: now)
    }

    public func discardJob(id: String, now: Date) async throws -> JobActionResult {
        try check(.discardJob)
        return try await base.discardJob(id: id, now: now)
    }

    public func conversation(_ key: String) async throws -> ConversationEntry {
        try check(.conversation)
        return try await base.conversation(key)
    }

    public func saveConversation(_ key: String, id: String, generation: Int, now: Date) async throws -> Bool {
        try check(.saveConversation)
        return try await base.saveConversation(key, id: id, generation: generation, now: now)
    }

    public func resetConversation(_ key: String, now: Date) async throws -> StoredConversation? {
        try check(.resetConversation)
        return try await base.resetConversation(key, now: now)
    }

    public func resetConversations(under prefix: String, now: Date) async throws -> [ForgottenConversation] {
        try check(.resetConversations)
        return try await base.resetConversations(under: prefix, now: now)
    }

    public func setMark(_ key: String, until: Date, now: Date) async throws {
        try check(.setMark)
        try await base.setMark(key, until: until, now: now)
    }

    public func isMarked(_ key: String, now: Date) async throws -> Bool {
        try check(.isMarked)
        return try await base.isMarked(key, now: now)
    }

    public func countHit(_ hit: String, in counters: [HitCounter], now: Date) async throws -> Int? {
        try check(.countHit)
        return try await base.countHit(hit, in: counters, now: now)
    }

    public func addToBurst(_ key: String, item: String, text: String, now: Date) async throws {
        try check(.addToBurst)
        try await base.addToBurst(key, item: item, text: text, now: now)
    }

    public func claimBurst(_ key: String, item: String, quiet: Duration, now: Date) async throws -> BurstClaim {
        try check(.claimBurst)
        return try await base.claimBurst(key, item: item, quiet: quiet, now: now)
    }

    public func replyState(job: String, key: String) async throws -> Data? {
        try check(.replyState)
        return try await base.replyState(job: job, key: key)
    }

    public func saveReplyState(job: String, key: String, value: Data) async throws {
        try check(.saveReplyState)
        try await base.saveReplyState(job: job, key: key, value: value)
    }

    public func holdLease(_ name: String, owner: String, ttl: Duration, now: Date) async throws -> Bool {
        try check(.holdLease, owner: owner)
        try await hangIfAsked(.holdLease)
        return try await base.holdLease(name, owner: owner, ttl: ttl, now: now)
    }

    public func releaseLease(_ name: String, owner: String) async throws {
        try check(.releaseLease, owner: owner)
        try await base.releaseLease(name, owner: owner)
    }

    public func purge(now: Date, policy: RetentionPolicy) async throws -> PurgeReport {
        try check(.purge)
        return try await base.purge(now: now, policy: policy)
    }

    public var services: [any Service] { base.services }
}
