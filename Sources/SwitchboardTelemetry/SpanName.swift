/// The spans of one message's way through Switchboard, and their attributes:
/// `switchboard.webhook` (receive + accept) ▸ `switchboard.job` (one attempt, a child of the
/// webhook's span even after a restart: the job keeps the W3C trace context) ▸
/// `switchboard.backend` (asking the backend, to the end of its answer) and
/// `switchboard.deliver` (the adapter sending it).
public enum SpanName {
    public static let webhook = "switchboard.webhook"
    public static let job = "switchboard.job"
    public static let backend = "switchboard.backend"
    public static let deliver = "switchboard.deliver"
}

/// Attribute keys the spans carry.
public enum SpanAttributeKey {
    public static let eventID = "switchboard.event_id"
    public static let bot = "switchboard.bot"
    public static let platform = "switchboard.platform"
    public static let backend = "switchboard.backend"
    public static let attempt = "switchboard.attempt"
    public static let events = "switchboard.events"
    public static let outcome = "switchboard.outcome"
    public static let difyTaskID = "dify.task_id"
    public static let difyMessageID = "dify.message_id"
    public static let platformMessageIDs = "platform.message_ids"
    public static let httpStatus = "http.response.status_code"
}
