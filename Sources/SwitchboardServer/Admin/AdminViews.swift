import Foundation
import SwitchboardCore
import SwitchboardTelemetry

/// What the admin API answers (JSON, snake_case) and the console's pages render.
enum AdminViews {
    struct Overview: Codable, Sendable {
        var bots: [Bot]
        var backends: [Backend]
        var queue: Queue
        var lastHour: [RecentActivity.Minute]
        var configFile: String?
        var reloadedAt: Date?
    }

    struct Bot: Codable, Sendable {
        var id: String
        var platform: String
        /// The bot's `mode:` as configured (`app`, `aibot`, `stream`, …), when it has one.
        var mode: String?
        var webhookURL: String
        var status: BotStatusBoard.Status
    }

    struct Backend: Codable, Sendable {
        var name: String
        /// `reachable`, `key_rejected`, …, or `not_checked` until someone asks.
        var check: String
        var detail: String?
        var checkedAt: Date?
    }

    struct Queue: Codable, Sendable {
        var pending: Int
        var leased: Int
        var oldestPendingSeconds: Double
    }

    struct Routes: Codable, Sendable {
        var rules: [Rule]
        var warnings: [String]
        var commands: [String: [String]]
    }

    struct Rule: Codable, Sendable {
        var name: String
        var description: String
        var backend: String
        var scope: String
    }

    /// "Try a message": pure routing, nothing sent.
    struct TryMessage: Codable, Sendable {
        var platform: String
        var bot: String
        var chat: String
        var text: String
        var mentionsBot: Bool
    }

    struct TryResult: Codable, Sendable {
        /// `reply`, `command` or `ignore`.
        var decision: String
        var rule: String?
        var backend: String?
        var scopeKey: String?
        var command: String?
        var query: String?
    }

    struct JobSummary: Codable, Sendable {
        var id: String
        var bot: String
        var platform: String
        var status: String
        var attempts: Int
        var enqueuedAt: Date
        var finishedAt: Date?
        var lastError: String?
        var text: String
    }

    struct JobDetail: Codable, Sendable {
        var summary: JobSummary
        var orderingKey: String
        var event: JSONValue
        var route: TryResult
        var history: [JobAttempt]
        var notBefore: Date?
        var leaseOwner: String?
        var leaseExpires: Date?
        var traceID: String?
        var replyState: [String: String]
    }

    struct Conversation: Codable, Sendable {
        var key: String
        var conversationID: String?
        var lastUsed: Date?
        var generation: Int
    }

    struct Action: Codable, Sendable {
        var ok: Bool
        var message: String
    }
}
