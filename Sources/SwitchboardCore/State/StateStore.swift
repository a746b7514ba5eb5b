public import Foundation
public import ServiceLifecycle

/// Everything the engine must not lose: dedup keys, the job queue, the backend conversation map
/// and small per-reply state.
///
/// Every operation is atomic in the store itself — a SQL store implements each in one transaction
/// — so several replicas can share one store. Times are passed in (`now`) so stores never read a
/// clock of their own and tests can move time.
public protocol StateStore: ReplyStateReading {
    // MARK: Dedup

    /// Records `key` for `ttl`. Returns false when it is already recorded and not expired.
    func claim(_ key: String, ttl: Duration, now: Date) async throws -> Bool

    // MARK: Ownership

    /// Takes or keeps the lease `name` for `owner` until `now + ttl`: true when `owner` holds it
    /// afterwards — it was free, expired, or `owner`'s already (a renewal). False while another
    /// owner's lease runs. What only one replica may do (hold a bot's single long connection)
    /// is done by the holder.
    func holdLease(_ name: String, owner: String, ttl: Duration, now: Date) async throws -> Bool

    /// Gives the lease up, if `owner` holds it (on shutdown, so another replica need not wait for
    /// it to expire).
    func releaseLease(_ name: String, owner: String) async throws

    // MARK: Jobs

    /// Atomically claims `job.id` as a dedup key for `dedupTTL` and stores the job. Returns false,
    /// storing nothing, when the key was already claimed (a redelivery).
    func enqueue(_ job: Job, dedupTTL: Duration, now: Date) async throws -> Bool

    /// Leases up to `request.limit` ready jobs. A job is ready when it is the oldest unfinished job
    /// of its ordering key, is not leased (or its lease has expired), and its retry time has come.
    /// So one ordering key never has two jobs leased at once, and jobs of a key run in order.
    /// Leasing counts an attempt; a job whose expired lease was its last allowed attempt is
    /// finished as failed instead of being leased again.
    func lease(_ request: LeaseRequest) async throws -> [JobLease]

    /// Extends a lease; throws ``StateStoreError/leaseLost`` when it is no longer held.
    func renew(_ lease: JobLease, for duration: Duration, now: Date) async throws -> JobLease

    /// Finishes the job successfully.
    func complete(_ lease: JobLease, now: Date) async throws

    /// Records a failed attempt: the job is ready again at `retryAt`, or, when `retryAt` is nil,
    /// finished as failed.
    func fail(_ lease: JobLease, error: String, retryAt: Date?, now: Date) async throws

    /// Gives the job back without counting the attempt (shutting down before it could run).
    func release(_ lease: JobLease) async throws

    /// How many jobs wait and run, and since when the oldest pending one waits — for the queue
    /// gauges, read every few seconds, so it must be cheap: an index, not a scan of all jobs.
    func queueStats() async throws -> QueueStats

    // MARK: Operators

    /// Jobs matching `query`, newest first, without their history — for the console's job list.
    /// Indexed by time (and bot), so it stays cheap on a large table.
    func jobs(_ query: JobQuery) async throws -> [JobRecord]

    /// One job with its whole history (every attempt, with its times, owner, outcome and error).
    func job(id: String) async throws -> JobRecord?

    /// Every reply-state value kept for a job, by key (the stored answer, delivery progress).
    func replyStates(job: String) async throws -> [String: Data]

    /// An operator's retry: a failed (or discarded) job is pending again with its attempts reset —
    /// the same job id, so the same idempotency key and reply state, and nothing already sent is
    /// sent again.
    func retryJob(id: String, now: Date) async throws -> JobActionResult

    /// An operator's discard: a failed job is set aside (still kept until retention removes it).
    func discardJob(id: String, now: Date) async throws -> JobActionResult

    // MARK: Conversations

    /// The backend conversation stored under a scope key, if any, and the scope's generation.
    func conversation(_ key: String) async throws -> ConversationEntry

    /// Stores the backend conversation id of a scope — unless the scope was reset after
    /// `generation` was read, so that an answer begun before a `/reset` cannot bring back the
    /// conversation the reset ended. Returns whether it was stored.
    func saveConversation(_ key: String, id: String, generation: Int, now: Date) async throws -> Bool

    /// `/reset`: forgets the scope's conversation and advances its generation, in one step.
    /// Returns the conversation it forgot, if any.
    func resetConversation(_ key: String, now: Date) async throws -> StoredConversation?

    /// `/reset all`: ``resetConversation(_:now:)`` for every scope whose key is `prefix` or begins
    /// with `prefix` followed by `|` or `/` (every conversation of one chat, its threads and users
    /// included), in one step. Returns the keys reset with the conversation each forgot.
    func resetConversations(under prefix: String, now: Date) async throws -> [ForgottenConversation]

    // MARK: Conversation features (follow-ups, replies to the bot, limits, bursts)

    /// Sets the mark `key` until `until`, replacing an earlier one: "the bot just answered this user
    /// here" (`follow_up`), "this platform message is the bot's" (replies to the bot). SQL stores
    /// keep marks beside the dedup keys, and the retention purge removes them once expired.
    func setMark(_ key: String, until: Date, now: Date) async throws

    /// Whether `key` is marked at `now`.
    func isMarked(_ key: String, now: Date) async throws -> Bool

    /// Rate limits' counters, all or none: counts `hit` under every counter when each has fewer
    /// than its `limit` hits since its `since`, and returns nil; otherwise counts nothing and
    /// returns the index of the first full counter. A hit counted before (a retried job) answers
    /// nil again without counting twice.
    func countHit(_ hit: String, in counters: [HitCounter], now: Date) async throws -> Int?

    /// Debounce: adds message `item` with its `text` to the burst `key` (the same item twice is
    /// kept once).
    func addToBurst(_ key: String, item: String, text: String, now: Date) async throws

    /// Debounce: what the job of `item` does with its burst — wait (a message of the burst arrived
    /// less than `quiet` ago), answer every unclaimed text of the burst at once (claiming them for
    /// `item`; a second call answers the same texts), or nothing (an earlier message's job claimed
    /// this one's text).
    func claimBurst(_ key: String, item: String, quiet: Duration, now: Date) async throws -> BurstClaim

    // MARK: Per-reply state

    /// Small state a delivery keeps for one job (stream text a poll reads, parts already sent).
    func replyState(job: String, key: String) async throws -> Data?

    func saveReplyState(job: String, key: String, value: Data) async throws

    // MARK: Retention

    /// Deletes expired dedup keys, finished jobs older than the policy allows, reply state that
    /// belongs to no unfinished or recently finished job, and conversations idle for longer than
    /// the policy allows — so nothing in the store grows without bound.
    func purge(now: Date, policy: RetentionPolicy) async throws -> PurgeReport

    // MARK: Lifecycle

    /// What must run while the store is used (a connection pool). They run in the server's
    /// `ServiceGroup` and are stopped last.
    var services: [any Service] { get }
}

extension StateStore {
    public var services: [any Service] { [] }
}

/// Read access to per-reply state, for a `receive` that answers a platform's poll from it (WeCom
/// AI-bot stream refreshes): the webhook may land on any replica, and the state is in the store.
public protocol ReplyStateReading: Sendable {
    /// The value saved under `key` for job `job`, or nil.
    func replyState(job: String, key: String) async throws -> Data?
}

/// A unit of work: answer one accepted event.
public struct Job: Sendable, Equatable, Codable {
    /// The event id; also the dedup key.
    public var id: String
    public var event: ChatEvent
    /// Jobs with the same key are worked on one at a time, in order (one backend conversation).
    public var orderingKey: String
    /// The trace context of the webhook that accepted the event (``TraceContext``), so the job's
    /// span joins that trace even when it runs after a restart. Nil when tracing is off.
    public var traceContext: String?

    public init(event: ChatEvent, orderingKey: String, traceContext: String? = nil) {
        self.id = event.id
        self.event = event
        self.orderingKey = orderingKey
        self.traceContext = traceContext
    }
}

/// The queue at one moment (``StateStore/queueStats()``).
public struct QueueStats: Sendable, Equatable {
    /// Unfinished jobs not leased (including those waiting for a retry time).
    public var pending: Int
    /// Jobs under a lease (live or expired, not yet taken over).
    public var leased: Int
    /// When the oldest pending job was enqueued; nil when none is pending.
    public var oldestPendingSince: Date?

    public init(pending: Int = 0, leased: Int = 0, oldestPendingSince: Date? = nil) {
        self.pending = pending
        self.leased = leased
        self.oldestPendingSince = oldestPendingSince
    }
}

public struct LeaseRequest: Sendable {
    /// The error recorded when a job is given up because its lease expired on its last attempt.
    public static let abandonedJobError = "given up: the worker holding the job stopped responding on its last attempt"

    /// Who holds the leases (a replica id), for diagnostics.
    public var owner: String
    public var limit: Int
    public var duration: Duration
    public var maxAttempts: Int
    public var now: Date

    public init(owner: String, limit: Int, duration: Duration, maxAttempts: Int, now: Date) {
        self.owner = owner
        self.limit = limit
        self.duration = duration
        self.maxAttempts = maxAttempts
        self.now = now
    }
}

/// A job held by one worker until `expiresAt`.
public struct JobLease: Sendable, Equatable {
    public var job: Job
    /// Proves the lease in `complete`/`fail`/`renew`; a new lease gets a new token.
    public var token: String
    public var expiresAt: Date
    /// 1 for the first attempt.
    public var attempt: Int

    public init(job: Job, token: String, expiresAt: Date, attempt: Int) {
        self.job = job
        self.token = token
        self.expiresAt = expiresAt
        self.attempt = attempt
    }
}

/// What the conversation map holds for one scope key.
public struct ConversationEntry: Sendable, Equatable {
    /// The backend conversation to continue; nil for a new scope or after a reset.
    public var stored: StoredConversation?
    /// How many times the scope was reset: a save made with an older generation is refused.
    public var generation: Int

    public init(stored: StoredConversation? = nil, generation: Int = 0) {
        self.stored = stored
        self.generation = generation
    }
}

public struct StoredConversation: Sendable, Equatable {
    public var id: String
    public var lastUsed: Date

    public init(id: String, lastUsed: Date) {
        self.id = id
        self.lastUsed = lastUsed
    }
}

/// How long finished work is kept, and how often old work is deleted. (How long dedup keys live
/// is set per claim; see `EngineConfiguration.dedupTTL`.)
public struct RetentionPolicy: Sendable, Equatable {
    /// Finished (done or failed) jobs and their reply state.
    public var finishedJobs: Duration
    /// Conversations (scope key ▸ backend conversation) not used for this long. Forgetting one
    /// only means the next message of its scope starts a new backend conversation.
    public var idleConversations: Duration
    public var purgeInterval: Duration

    public init(
        finishedJobs: Duration = .seconds(7 * 24 * 3600), idleConversations: Duration = .seconds(30 * 24 * 3600),
        purgeInterval: Duration = .seconds(60)
    ) {
        self.finishedJobs = finishedJobs
        self.idleConversations = idleConversations
        self.purgeInterval = purgeInterval
    }
}

public struct PurgeReport: Sendable, Equatable {
    public var dedupKeys: Int
    public var jobs: Int
    public var conversations: Int

    public init(dedupKeys: Int = 0, jobs: Int = 0, conversations: Int = 0) {
        self.dedupKeys = dedupKeys
        self.jobs = jobs
        self.conversations = conversations
    }
}

public enum StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lease expired and was taken by someone else, or the job is already finished.
    case leaseLost(job: String)

    public var description: String {
        switch self {
        case .leaseLost(let job): "the lease on job \(job) was lost (it expired or the job was finished elsewhere)"
        }
    }
}

extension Date {
    /// `self` moved by a `Duration`.
    public func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
