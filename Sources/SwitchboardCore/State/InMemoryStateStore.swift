public import Foundation

/// A ``StateStore`` in process memory: for tests and for trying Switchboard out. Everything is
/// lost when the process ends; use the SQLite or PostgreSQL store in production.
public actor InMemoryStateStore: StateStore {
    private enum Status: Equatable {
        case pending
        case leased(token: String, expiresAt: Date)
        case done
        case failed
    }

    private struct Record {
        var job: Job
        var sequence: Int
        var status: Status = .pending
        var attempts = 0
        var notBefore: Date?
        var lastError: String?
        var finishedAt: Date?
        var enqueuedAt: Date
        var discarded = false
        var history: [JobAttempt] = []
    }

    private var dedup: [String: Date] = [:]
    private var records: [String: Record] = [:]
    /// Unfinished job ids per ordering key, oldest first.
    private var queues: [String: [String]] = [:]
    private var sequence = 0
    private struct ConversationRecord {
        var entry: ConversationEntry
        /// Saved or reset; idle conversations are purged by this time.
        var touched: Date
    }

    private var conversations: [String: ConversationRecord] = [:]
    /// Job id ▸ key ▸ value. Not inside the job record: a delivery may keep state under an id
    /// that is not a job (the engine's failure notice).
    private var replyStates: [String: [String: Data]] = [:]
    private var leases: [String: (owner: String, expires: Date)] = [:]
    /// Rate-limit counters: key ▸ hit ▸ when counted.
    private var hits: [String: [String: Date]] = [:]
    private struct BurstEntry {
        var item: String
        var text: String
        var at: Date
        var claimedBy: String?
    }

    /// Burst key ▸ its messages in arrival order.
    private var bursts: [String: [BurstEntry]] = [:]

    public init() {}

    // MARK: Dedup

    public func claim(_ key: String, ttl: Duration, now: Date) -> Bool {
        if let expiry = dedup[key], expiry > now { return false }
        dedup[key] = now.adding(ttl)
        return true
    }

    // MARK: Ownership

    public func holdLease(_ name: String, owner: String, ttl: Duration, now: Date) -> Bool {
        if let lease = leases[name], lease.owner != owner, lease.expires > now { return false }
        leases[name] = (owner, now.adding(ttl))
        return true
    }

    public func releaseLease(_ name: String, owner: String) {
        if leases[name]?.owner == owner { leases[name] = nil }
    }

    // MARK: Jobs

    public func enqueue(_ job: Job, dedupTTL: Duration, now: Date) -> Bool {
        guard claim(job.id, ttl: dedupTTL, now: now), records[job.id] == nil else { return false }
        sequence += 1
        records[job.id] = Record(job: job, sequence: sequence, enqueuedAt: now)
        queues[job.orderingKey, default: []].append(job.id)
        return true
    }

    public func lease(_ request: LeaseRequest) -> [JobLease] {
        // A job whose lease expired on its last attempt is given up first, so the next job of its
        // key can be leased in this same call.
        for var record in records.values {
            guard case .leased(_, let expiresAt) = record.status, expiresAt <= request.now, record.attempts >= request.maxAttempts else { continue }
            finish(&record, as: .failed, error: LeaseRequest.abandonedJobError, now: request.now)
        }
        // A key whose queue holds a live lease anywhere (an operator's retry may put an older job
        // in front of the one running) has nothing ready.
        let heads = queues.values.filter { queue in
            !queue.dropFirst().contains { id in
                if case .leased(_, let expiresAt)? = records[id]?.status { return expiresAt > request.now }
                return false
            }
        }.compactMap(\.first).compactMap { records[$0] }.sorted { $0.sequence < $1.sequence }
        var leases: [JobLease] = []
        for head in heads where leases.count < request.limit {
            var record = head
            switch record.status {
            case .leased(_, let expiresAt) where expiresAt > request.now:
                continue
            case .leased:
                // The holder died mid-job: its attempt counted, and it has attempts left.
                break
            case .pending:
                if let notBefore = record.notBefore, notBefore > request.now { continue }
            case .done, .failed:
                continue
            }
            record.attempts += 1
            let token = UUID().uuidString
            let expiresAt = request.now.adding(request.duration)
            record.status = .leased(token: token, expiresAt: expiresAt)
            record.history.append(JobAttempt(attempt: record.attempts, owner: request.owner, startedAt: request.now, outcome: .running))
            records[record.job.id] = record
            leases.append(JobLease(job: record.job, token: token, expiresAt: expiresAt, attempt: record.attempts))
        }
        return leases
    }

    public func queueStats() -> QueueStats {
        var stats = QueueStats()
        for id in queues.values.joined() {
            guard let record = records[id] else { continue }
            switch record.status {
            case .pending:
                stats.pending += 1
                if stats.oldestPendingSince.map({ record.enqueuedAt < $0 }) ?? true { stats.oldestPendingSince = record.enqueuedAt }
            case .leased: stats.leased += 1
            case .done, .failed: break
            }
        }
        return stats
    }

    public func renew(_ lease: JobLease, for duration: Duration, now: Date) throws -> JobLease {
        var record = try held(lease)
        var renewed = lease
        renewed.expiresAt = now.adding(duration)
        record.status = .leased(token: lease.token, expiresAt: renewed.expiresAt)
        records[lease.job.id] = record
        return renewed
    }

    public func complete(_ lease: JobLease, now: Date) throws {
        var record = try held(lease)
        Self.end(&record, attempt: lease.attempt, outcome: .done, error: nil, now: now)
        finish(&record, as: .done, error: nil, now: now)
    }

    public func fail(_ lease: JobLease, error: String, retryAt: Date?, now: Date) throws {
        var record = try held(lease)
        Self.end(&record, attempt: lease.attempt, outcome: retryAt == nil ? .failed : .retry, error: error, now: now)
        guard let retryAt else {
            finish(&record, as: .failed, error: error, now: now)
            return
        }
        record.status = .pending
        record.notBefore = retryAt
        record.lastError = error
        records[lease.job.id] = record
    }

    public func release(_ lease: JobLease) throws {
        var record = try held(lease)
        record.status = .pending
        record.attempts = max(0, record.attempts - 1)
        // Not counted, not kept.
        if let index = record.history.lastIndex(where: { $0.attempt == lease.attempt && $0.outcome == .running }) {
            record.history.remove(at: index)
        }
        records[lease.job.id] = record
    }

    private static func end(_ record: inout Record, attempt: Int, outcome: JobAttempt.Outcome, error: String?, now: Date) {
        guard let index = record.history.lastIndex(where: { $0.attempt == attempt && $0.outcome == .running }) else { return }
        record.history[index].endedAt = now
        record.history[index].outcome = outcome
        record.history[index].error = error
    }

    // MARK: Operators

    public func jobs(_ query: JobQuery) -> [JobRecord] {
        var list = records.values.filter { record in
            (query.bot.map { record.job.event.bot == $0 } ?? true)
                && (query.since.map { record.enqueuedAt >= $0 } ?? true)
                && (query.until.map { record.enqueuedAt < $0 } ?? true)
                && (query.status.map { Self.status(of: record) == $0 } ?? true)
        }
        list.sort { $0.sequence > $1.sequence }
        return list.prefix(max(0, query.limit)).map { Self.view($0, history: false) }
    }

    public func replyStates(job: String) -> [String: Data] {
        replyStates[job] ?? [:]
    }

    public func job(id: String) -> JobRecord? {
        records[id].map { Self.view($0, history: true) }
    }

    public func retryJob(id: String, now: Date) -> JobActionResult {
        guard var record = records[id] else { return .notFound }
        let status = Self.status(of: record)
        guard status == .failed || status == .discarded else { return .notAllowed(status) }
        record.status = .pending
        record.attempts = 0
        record.notBefore = nil
        record.finishedAt = nil
        record.discarded = false
        record.history.append(JobAttempt(attempt: 0, startedAt: now, endedAt: now, outcome: .requeued))
        records[id] = record
        // Back in its key's queue, in enqueue order.
        var queue = queues[record.job.orderingKey, default: []]
        let position = queue.firstIndex { (records[$0]?.sequence ?? .max) > record.sequence } ?? queue.endIndex
        queue.insert(id, at: position)
        queues[record.job.orderingKey] = queue
        return .done
    }

    public func discardJob(id: String, now: Date) -> JobActionResult {
        guard var record = records[id] else { return .notFound }
        let status = Self.status(of: record)
        guard status == .failed else { return .notAllowed(status) }
        record.discarded = true
        record.history.append(JobAttempt(attempt: 0, startedAt: now, endedAt: now, outcome: .discarded))
        records[id] = record
        return .done
    }

    private static func status(of record: Record) -> JobStatus {
        switch record.status {
        case .pending: .pending
        case .leased: .leased
        case .done: .done
        case .failed: record.discarded ? .discarded : .failed
        }
    }

    private static func view(_ record: Record, history: Bool) -> JobRecord {
        var lease: (owner: String?, expires: Date?) = (nil, nil)
        if case .leased(_, let expiresAt) = record.status {
            lease = (record.history.last { $0.outcome == .running }?.owner, expiresAt)
        }
        return JobRecord(
            job: record.job, status: status(of: record), attempts: record.attempts, lastError: record.lastError,
            enqueuedAt: record.enqueuedAt, finishedAt: record.finishedAt, notBefore: record.status == .pending ? record.notBefore : nil,
            leaseOwner: lease.owner, leaseExpires: lease.expires, history: history ? record.history : []
        )
    }

    private func held(_ lease: JobLease) throws -> Record {
        guard let record = records[lease.job.id], case .leased(let token, _) = record.status, token == lease.token else {
            throw StateStoreError.leaseLost(job: lease.job.id)
        }
        return record
    }

    private func finish(_ record: inout Record, as status: Status, error: String?, now: Date) {
        record.status = status
        record.lastError = error
        record.finishedAt = now
        records[record.job.id] = record
        let key = record.job.orderingKey
        queues[key]?.removeAll { $0 == record.job.id }
        if queues[key]?.isEmpty == true { queues[key] = nil }
    }

    // MARK: Conversations

    public func conversation(_ key: String) -> ConversationEntry {
        conversations[key]?.entry ?? ConversationEntry()
    }

    public func saveConversation(_ key: String, id: String, generation: Int, now: Date) -> Bool {
        guard conversations[key].map({ $0.entry.generation == generation }) ?? true else { return false }
        conversations[key] = ConversationRecord(entry: ConversationEntry(stored: StoredConversation(id: id, lastUsed: now), generation: generation), touched: now)
        return true
    }

    public func resetConversation(_ key: String, now: Date) -> StoredConversation? {
        let old = conversations[key]?.entry
        conversations[key] = ConversationRecord(entry: ConversationEntry(stored: nil, generation: (old?.generation ?? 0) + 1), touched: now)
        return old?.stored
    }

    public func resetConversations(under prefix: String, now: Date) -> [ForgottenConversation] {
        conversations.keys.filter { $0.isScopeKey(under: prefix) }.sorted().map {
            ForgottenConversation(key: $0, stored: resetConversation($0, now: now))
        }
    }

    // MARK: Conversation features

    public func setMark(_ key: String, until: Date, now: Date) {
        dedup[key] = until
    }

    public func isMarked(_ key: String, now: Date) -> Bool {
        (dedup[key] ?? .distantPast) > now
    }

    public func countHit(_ hit: String, in counters: [HitCounter], now: Date) -> Int? {
        guard let first = counters.first, hits[first.key]?[hit] == nil else { return nil }
        if let full = counters.firstIndex(where: { counter in (hits[counter.key] ?? [:]).values.filter { $0 >= counter.since }.count >= counter.limit }) {
            return full
        }
        for counter in counters { hits[counter.key, default: [:]][hit] = now }
        return nil
    }

    public func addToBurst(_ key: String, item: String, text: String, now: Date) {
        guard bursts[key]?.contains(where: { $0.item == item }) != true else { return }
        bursts[key, default: []].append(BurstEntry(item: item, text: text, at: now))
    }

    public func claimBurst(_ key: String, item: String, quiet: Duration, now: Date) -> BurstClaim {
        guard var entries = bursts[key], let own = entries.first(where: { $0.item == item }) else { return .unknown }
        if let owner = own.claimedBy {
            return owner == item ? .answer(entries.filter { $0.claimedBy == item }.map(\.text)) : .absorbed
        }
        let last = entries.filter { $0.claimedBy == nil }.map(\.at).max()!
        if now < last.adding(quiet) { return .wait(until: last.adding(quiet)) }
        for index in entries.indices where entries[index].claimedBy == nil { entries[index].claimedBy = item }
        bursts[key] = entries
        return .answer(entries.filter { $0.claimedBy == item }.map(\.text))
    }

    // MARK: Per-reply state

    public func replyState(job: String, key: String) -> Data? {
        replyStates[job]?[key]
    }

    public func saveReplyState(job: String, key: String, value: Data) {
        replyStates[job, default: [:]][key] = value
    }

    // MARK: Retention

    public func purge(now: Date, policy: RetentionPolicy) -> PurgeReport {
        let expiredKeys = dedup.filter { $0.value <= now }.map(\.key)
        for key in expiredKeys { dedup[key] = nil }
        let cutoff = now.adding(.zero - policy.finishedJobs)
        let oldJobs = records.values.filter { ($0.finishedAt ?? .distantFuture) < cutoff }.map(\.job.id)
        for id in oldJobs { records[id] = nil }
        for id in replyStates.keys where records[id] == nil { replyStates[id] = nil }
        let idleCutoff = now.adding(.zero - policy.idleConversations)
        let idle = conversations.filter { $0.value.touched < idleCutoff }.map(\.key)
        for key in idle { conversations[key] = nil }
        let featureCutoff = now.adding(.zero - RetentionPolicy.conversationFeatureState)
        for key in hits.keys {
            hits[key] = hits[key]?.filter { $0.value >= featureCutoff }
            if hits[key]?.isEmpty == true { hits[key] = nil }
        }
        for key in bursts.keys {
            bursts[key] = bursts[key]?.filter { $0.at >= featureCutoff }
            if bursts[key]?.isEmpty == true { bursts[key] = nil }
        }
        return PurgeReport(dedupKeys: expiredKeys.count, jobs: oldJobs.count, conversations: idle.count)
    }

    // MARK: Inspection (tests, diagnostics)

    /// How many jobs are not finished.
    public var unfinishedJobCount: Int {
        queues.values.reduce(0) { $0 + $1.count }
    }

    /// The last error recorded for a job, if any.
    public func lastError(job: String) -> String? {
        records[job]?.lastError
    }
}
