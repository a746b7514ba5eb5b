public import Foundation
import Synchronization

/// What the console shows of each bot, reported by the parts that know it: the engine (last
/// event, last delivery, last error), the token caches (token state), long-connection supervisors
/// (connected or not). Process-wide, like the metrics; keyed by bot id.
public final class BotStatusBoard: Sendable {
    public static let shared = BotStatusBoard()

    public struct Status: Sendable, Equatable, Codable {
        public var lastEventAt: Date?
        public var lastDeliveryAt: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
        /// When the platform access token was last fetched, and when it expires.
        public var tokenFetchedAt: Date?
        public var tokenExpiresAt: Date?
        /// nil: the bot has no long connection.
        public var connected: Bool?
        public var connectionChangedAt: Date?

        public init() {}
    }

    private let statuses = Mutex<[String: Status]>([:])

    public init() {}

    public func status(of bot: String) -> Status {
        statuses.withLock { $0[bot] } ?? Status()
    }

    public func eventAccepted(bot: String, at time: Date = Date()) {
        update(bot) { $0.lastEventAt = time }
    }

    public func delivered(bot: String, at time: Date = Date()) {
        update(bot) { $0.lastDeliveryAt = time }
    }

    /// `message` is what the log says (never a secret: errors are written that way).
    public func failed(bot: String, _ message: String, at time: Date = Date()) {
        update(bot) {
            $0.lastError = message
            $0.lastErrorAt = time
        }
    }

    public func tokenFetched(bot: String, lifetime: Duration, at time: Date = Date()) {
        update(bot) {
            $0.tokenFetchedAt = time
            $0.tokenExpiresAt = time.addingTimeInterval(Double(lifetime.components.seconds))
        }
    }

    public func connection(bot: String, up: Bool, at time: Date = Date()) {
        update(bot) {
            $0.connected = up
            $0.connectionChangedAt = time
        }
    }

    private func update(_ bot: String, _ change: (inout Status) -> Void) {
        statuses.withLock { change(&$0[bot, default: Status()]) }
    }
}
