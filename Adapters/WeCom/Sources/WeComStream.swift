import Foundation
import SwitchboardCore

/// An AI-bot answer as WeCom polls for it: the delivering job writes the text so far to the job's
/// reply state in the store, and every refresh poll — on whichever replica it lands — is answered
/// from there (platforms.md §1c.2).
struct WeComStreamState: Codable, Equatable, Sendable {
    static let key = "wecom.stream"

    var content: String
    var finish: Bool
}

/// The stream id of an answer, made from the message so that it needs no state of its own:
/// `<create time>-<msgid>`. A poll names it; the msgid leads to the job (`<bot>:<msgid>`) and the
/// time says whether an answer not started yet may still come.
struct WeComStreamID: Equatable, Sendable {
    /// WeCom lets a stream be updated for about six minutes (errcode 846608 after) [S plugin].
    static let window: Duration = .seconds(6 * 60)

    var createTime: Int
    var msgid: String

    var text: String { "\(createTime)-\(msgid)" }

    init(createTime: Int, msgid: String) {
        self.createTime = createTime
        self.msgid = msgid
    }

    init?(_ text: String) {
        guard let dash = text.firstIndex(of: "-"), let time = Int(text[..<dash]) else { return nil }
        let msgid = String(text[text.index(after: dash)...])
        guard !msgid.isEmpty else { return nil }
        self.init(createTime: time, msgid: msgid)
    }

    /// Whether polls may still be waiting for this answer.
    func isOpen(at now: Date) -> Bool {
        now.timeIntervalSince1970 - Double(createTime) < Double(Self.window.components.seconds) + 60
    }
}
