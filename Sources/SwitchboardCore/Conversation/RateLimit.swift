public import Foundation

/// `rate_limit: {per_user: 20/h, per_chat: 100/h, window: fixed, notice: …}` — how many messages
/// a person, and a chat, may send to the backend in a window. Over the limit the message is not
/// sent to the backend and the user is told once per window.
public struct RateLimit: Sendable, Equatable {
    /// `20/h`: 20 messages per hour.
    public struct Allowance: Sendable, Equatable, CustomStringConvertible {
        public var count: Int
        public var window: Duration

        public init(count: Int, window: Duration) {
            self.count = count
            self.window = window
        }

        /// `20/h`, `5/30s`, `100/d`, `3/10m`; the window is at most a day.
        public init?(text: String) {
            let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let count = Int(parts[0]), count >= 1 else { return nil }
            let unit = ["s": "1s", "m": "1m", "h": "1h", "d": "1d"][parts[1]] ?? parts[1]
            guard let window = DurationText.parse(unit), window >= .seconds(1), window <= .seconds(86_400) else { return nil }
            self.init(count: count, window: window)
        }

        public var description: String {
            let seconds = window.components.seconds
            for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 {
                return seconds == size ? "\(count)/\(unit)" : "\(count)/\(seconds / size)\(unit)"
            }
            return "\(count)/\(seconds)s"
        }
    }

    public enum Window: String, Sendable, Equatable {
        /// Counted per calendar window (the hour from :00): cheap and predictable.
        case fixed
        /// Counted over the window just past, at every message.
        case sliding
    }

    public static let defaultNotice = "⏳ 消息太多啦，请稍后再试。/ You are sending messages too fast; please try again later."

    public var perUser: Allowance?
    public var perChat: Allowance?
    public var window: Window
    public var notice: String

    public init(perUser: Allowance? = nil, perChat: Allowance? = nil, window: Window = .fixed, notice: String = RateLimit.defaultNotice) {
        self.perUser = perUser
        self.perChat = perChat
        self.window = window
        self.notice = notice
    }

    /// Where the window in force at `now` starts.
    public func windowStart(_ allowance: Allowance, now: Date) -> Date {
        let length = Double(allowance.window.components.seconds)
        switch window {
        case .sliding: return now.addingTimeInterval(-length)
        case .fixed: return Date(timeIntervalSince1970: (now.timeIntervalSince1970 / length).rounded(.down) * length)
        }
    }

    public var summary: String {
        [perUser.map { "\($0) per user" }, perChat.map { "\($0) per chat" }].compactMap { $0 }.joined(separator: ", ") + " (\(window.rawValue))"
    }
}
