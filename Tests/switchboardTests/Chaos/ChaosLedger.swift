import Foundation
import Synchronization

/// What the platforms received, counted by the platforms' own identity of a message: every
/// message a fake platform accepted (a WeCom `message/send`, a Feishu message — one per `uuid`,
/// updated by PATCHes —, a DingTalk session-webhook post, a generic callback, an AI-bot stream's
/// last frame) is recorded under the question it answers, identified by the fake's own message
/// id. Not Switchboard's logs: what a user would see.
final class ChaosLedger: Sendable {
    /// A question's tag (`[Q17]`) is in every answer to it; the fallback is Dify backend's text.
    static let fallback = "抱歉，暂时无法回答"

    private let messages = Mutex<[String: [String: String]]>([:])

    /// A platform message now shows `content`, as an answer to question `tag` (a later call for
    /// the same identity is an update in place).
    func shows(tag: String, identity: String, content: String) {
        messages.withLock { $0[tag, default: [:]][identity] = content }
    }

    /// The messages that answer `tag` (the answer or the fallback), by identity.
    func answers(_ tag: String) -> [String: String] {
        messages.withLock { $0[tag] ?? [:] }.filter { Self.isAnswer($0.value, tag: tag) }
    }

    static func isAnswer(_ content: String, tag: String) -> Bool {
        content.contains("答\(tag)") || content.contains(fallback)
    }

    struct Row {
        var sent = 0
        var once = 0
        var moreThanOnce = 0
        /// Twice because a replica was killed while the part was on its way to a platform that
        /// has no idempotency key (Switchboard logged that it sent it again, uncertain).
        var twiceAfterCrashMidSend = 0
        var never = 0
        var fallback = 0
    }

    /// Per bot: sent, answered once, more than once, never, with the fallback. `uncertainResends`
    /// are the tags Switchboard said it sent again not knowing whether the first had arrived;
    /// for the bots in `withoutIdempotency` a second answer to one of them is counted apart.
    func tally(sent: [(bot: String, tag: String)], uncertainResends: Set<String>, withoutIdempotency: Set<String>) -> [String: Row] {
        var rows: [String: Row] = [:]
        for (bot, tag) in sent {
            let answers = self.answers(tag)
            rows[bot, default: Row()].sent += 1
            switch answers.count {
            case 0: rows[bot]!.never += 1
            case 1: rows[bot]!.once += 1
            case 2 where withoutIdempotency.contains(bot) && uncertainResends.contains(tag): rows[bot]!.twiceAfterCrashMidSend += 1
            default: rows[bot]!.moreThanOnce += 1
            }
            if answers.values.contains(where: { $0.contains(Self.fallback) }) { rows[bot]!.fallback += 1 }
        }
        return rows
    }

    static func table(_ rows: [String: Row], title: String) -> String {
        var lines = [title, "bot            sent   once   twice+  never  fallback  twice after a crash mid-send (no idempotency key)"]
        var total = Row()
        for (bot, row) in rows.sorted(by: { $0.key < $1.key }) {
            lines.append(line(bot, row))
            total.sent += row.sent
            total.once += row.once
            total.moreThanOnce += row.moreThanOnce
            total.never += row.never
            total.fallback += row.fallback
            total.twiceAfterCrashMidSend += row.twiceAfterCrashMidSend
        }
        lines.append(line("all", total))
        return lines.joined(separator: "\n")
    }

    private static func line(_ name: String, _ row: Row) -> String {
        func pad(_ value: Int, _ width: Int) -> String { String(repeating: " ", count: max(0, width - String(value).count)) + String(value) }
        return name.padding(toLength: 12, withPad: " ", startingAt: 0) + pad(row.sent, 7) + pad(row.once, 7) + pad(row.moreThanOnce, 9)
            + pad(row.never, 7) + pad(row.fallback, 10) + pad(row.twiceAfterCrashMidSend, 10)
    }
}
