/// Every metric Switchboard records, by name. Names carry the `switchboard_` prefix and their base
/// unit (`_seconds`); counters end in `_total`. Labels come only from bounded sets — `bot`,
/// `platform`, `backend`, `status`, `reason`, `result`, `outcome`, `kind`, `api`, `code` (an
/// adapter's known list, else `other`) — never a user, chat or message id.
///
/// The alert rules in `deploy/helm` and the README's list are written against these names; a test
/// scrapes a running server and checks that every name they use is exported.
public enum MetricName {
    // MARK: Intake

    /// Webhook requests answered, by `bot`, `platform` and `status` (`2xx`, `4xx`, `5xx`).
    public static let webhooks = "switchboard_webhooks_total"
    /// Webhook requests refused, by `bot`, `platform` and `reason` (from the answer's status:
    /// `unauthorized`, `forbidden`, `bad_request`, `too_large`, `method`, `unknown_bot`,
    /// `store_unavailable`, `other`).
    public static let webhookRejections = "switchboard_webhook_rejections_total"
    /// Time from a webhook request's arrival to its answer, by `bot` and `platform`.
    public static let ackSeconds = "switchboard_webhook_ack_seconds"
    /// Events decoded from webhooks and long connections, by `bot`, `platform` and `result`
    /// (`accepted`, `duplicate`, `ignored`).
    public static let events = "switchboard_events_total"

    // MARK: Queue (sampled from the store)

    public static let queuePending = "switchboard_queue_pending_jobs"
    public static let queueLeased = "switchboard_queue_leased_jobs"
    /// How long the oldest pending job has waited (0 when none waits).
    public static let queueOldestPendingSeconds = "switchboard_queue_oldest_pending_seconds"

    // MARK: Jobs

    /// Attempts that ended, by `bot`, `platform` and `outcome` (`done`, `retried`, `failed`,
    /// `interrupted`, `lease_lost`).
    public static let jobs = "switchboard_jobs_total"
    /// One attempt's duration, lease to end, by `bot` and `platform`.
    public static let jobSeconds = "switchboard_job_duration_seconds"
    /// Attempts started, by `bot` and `platform` (above the job count when jobs are retried).
    public static let jobAttempts = "switchboard_job_attempts_total"

    // MARK: Backends

    /// Time from asking the backend to its first text, by `backend`.
    public static let backendFirstTokenSeconds = "switchboard_backend_first_token_seconds"
    /// Time from asking the backend to the end of its answer, by `backend`.
    public static let backendAnswerSeconds = "switchboard_backend_answer_seconds"
    /// Backend failures, by `backend` and `kind` (`key_rejected`, `timeout`, `rate_limited`, …).
    public static let backendErrors = "switchboard_backend_errors_total"
    /// Answers replaced by the backend's fallback text, by `backend`.
    public static let backendFallbacks = "switchboard_backend_fallbacks_total"

    // MARK: Delivery

    /// Replies handed to an adapter, by `bot`, `platform` and `result` (`ok`, `error`).
    public static let deliveries = "switchboard_deliveries_total"
    /// Calls to a platform API, by `bot`, `platform`, `api` and `result` (`ok`, `error`).
    public static let platformCalls = "switchboard_platform_calls_total"
    /// Platform API failures, by `bot`, `platform` and `code` (an error code from the adapter's
    /// known list, `http_<status>`, `network`, `invalid`, `rate_limited`, or `other`).
    public static let platformErrors = "switchboard_platform_errors_total"
    /// Access tokens fetched, by `bot` and `platform`.
    public static let tokenRefreshes = "switchboard_token_refreshes_total"
    /// Messages updated in place (a streamed card, an AI-bot stream), by `bot` and `platform`.
    public static let messageUpdates = "switchboard_message_updates_total"

    // MARK: Long connections

    /// 1 while a bot's long connection is up, by `bot` and `platform`.
    public static let connectionUp = "switchboard_connection_up"
    /// Long connections opened again after one was lost, by `bot` and `platform`.
    public static let reconnects = "switchboard_connection_reconnects_total"
}
