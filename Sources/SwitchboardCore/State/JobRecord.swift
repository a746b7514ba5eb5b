public import Foundation

/// What an operator sees of one job: the job, where it stands, and every attempt
/// (``StateStore/job(id:)``, ``StateStore/jobs(_:)``).
public struct JobRecord: Sendable, Equatable {
    public var job: Job
    public var status: JobStatus
    /// Attempts counted (reset to 0 by an operator's retry).
    public var attempts: Int
    public var lastError: String?
    public var enqueuedAt: Date
    /// Done, failed or discarded at.
    public var finishedAt: Date?
    /// A pending job waiting for its retry time.
    public var notBefore: Date?
    /// Who holds the lease and until when, while leased.
    public var leaseOwner: String?
    public var leaseExpires: Date?
    /// Oldest first; empty in lists (``StateStore/jobs(_:)``), filled by ``StateStore/job(id:)``.
    public var history: [JobAttempt]

    public init(
        job: Job, status: JobStatus, attempts: Int, lastError: String? = nil, enqueuedAt: Date, finishedAt: Date? = nil,
        notBefore: Date? = nil, leaseOwner: String? = nil, leaseExpires: Date? = nil, history: [JobAttempt] = []
    ) {
        self.job = job
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.enqueuedAt = enqueuedAt
        self.finishedAt = finishedAt
        self.notBefore = notBefore
        self.leaseOwner = leaseOwner
        self.leaseExpires = leaseExpires
        self.history = history
    }
}

public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case pending, leased, done, failed
    /// Failed, and set aside by an operator: not listed as failed, can still be retried.
    case discarded
}

/// One attempt at a job, or an operator's action on it.
public struct JobAttempt: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// Still running — or its worker stopped without a word (the lease expired).
        case running
        case done
        /// Failed; tried again later.
        case retry
        case failed
        /// Re-enqueued by an operator (attempts reset).
        case requeued
        case discarded
    }

    /// 1 for the first attempt; 0 for an operator's action.
    public var attempt: Int
    public var owner: String?
    public var startedAt: Date
    public var endedAt: Date?
    public var outcome: Outcome
    public var error: String?

    public init(attempt: Int, owner: String? = nil, startedAt: Date, endedAt: Date? = nil, outcome: Outcome, error: String? = nil) {
        self.attempt = attempt
        self.owner = owner
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.error = error
    }
}

/// Which jobs ``StateStore/jobs(_:)`` lists: newest first.
public struct JobQuery: Sendable, Equatable {
    public var status: JobStatus?
    public var bot: String?
    /// Enqueued at or after.
    public var since: Date?
    /// Enqueued before.
    public var until: Date?
    public var limit: Int

    public init(status: JobStatus? = nil, bot: String? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 50) {
        self.status = status
        self.bot = bot
        self.since = since
        self.until = until
        self.limit = limit
    }
}

/// What an operator's retry or discard did.
public enum JobActionResult: Sendable, Equatable {
    case done
    case notFound
    /// Only failed (or discarded) jobs can be retried, only failed ones discarded.
    case notAllowed(JobStatus)
}
