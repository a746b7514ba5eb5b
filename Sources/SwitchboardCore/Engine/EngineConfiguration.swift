/// How the engine runs. Every value has a sensible default; the server reads overrides from the
/// `engine:` section.
public struct EngineConfiguration: Sendable {
    /// At most this many jobs — and so backend calls — run at once.
    public var concurrency = 16
    /// How long a worker holds a job before another replica may take it; renewed while it works.
    /// After a crash, the crashed process's jobs are taken up again once their leases expire.
    public var leaseDuration: Duration = .seconds(30)
    /// How often the queue is checked for retries that came due and for work of other replicas.
    public var pollInterval: Duration = .seconds(1)
    /// How long a platform event id is remembered for dedup. Platforms redeliver for hours
    /// (Feishu retries up to ~6 h after the first try), so the default is a day.
    public var dedupTTL: Duration = .seconds(24 * 3600)
    public var retry = RetryPolicy()
    /// On shutdown, how long running jobs may take to finish before they are interrupted (and,
    /// with a durable store, resumed on the next start).
    public var drainTimeout: Duration = .seconds(25)
    /// Identifies this process's leases in the store.
    public var replicaID: String
    /// At most this many of one message's pictures, files, voice notes and videos are fetched
    /// (a Feishu post can carry dozens); the rest are skipped and the user told.
    public var mediaPerMessage = 10
    /// And at most this many bytes of them together, so that a few such messages at once cannot
    /// fill the temporary folder.
    public var mediaBytesPerMessage = 100 << 20

    public init(replicaID: String) {
        self.replicaID = replicaID
    }
}

/// How often and how soon a failed job is tried again.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts = 5
    public var initialDelay: Duration = .seconds(2)
    public var maxDelay: Duration = .seconds(300)

    public init(maxAttempts: Int = 5, initialDelay: Duration = .seconds(2), maxDelay: Duration = .seconds(300)) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The wait after failed attempt `attempt` (1-based): exponential, capped, with jitter in
    /// [½, 1] so that many jobs failing together do not retry together.
    public func delay(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0.5...1)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let full = min(initialDelay * (1 << exponent), maxDelay)
        return full * jitter
    }
}
