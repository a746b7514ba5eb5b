import Foundation
import SwitchboardCore

/// An AI-bot answer as WeCom polls for it: the delivering job writes the text so far to the job's
/// reply state in the store, and every refresh poll — on whichever replica it lands — is answered
/// from there (platforms.md §1c.2).
struct WeComStreamState: Codable, Equatable, Sendable {
    static let key = "wecom.stream"

    var content: String
    var finish: Bool
    /// The finishing frame's pictures (absent in states written before there were any).
    var images: [WeComStreamImages.Item]? = nil
}

/// The stream id of an answer, made from the message so that it needs no state of its own and a
/// redelivery gets the same one: `<create time>-<msgid>`, or `-<msgid>` when the message carries
/// no `create_time` (platforms.md §6.1's vector has none). A poll names it; the msgid leads to the
/// job (`<bot>:<msgid>`) and the time says whether an answer not started yet may still come.
struct WeComStreamID: Equatable, Sendable {
    /// WeCom lets a stream be updated for about six minutes (errcode 846608 after) [S plugin].
    static let window: Duration = .seconds(6 * 60)

    /// Nil when the message did not say when it was created.
    var createTime: Int?
    var msgid: String

    var text: String { "\(createTime.map(String.init) ?? "")-\(msgid)" }

    init(createTime: Int?, msgid: String) {
        self.createTime = createTime
        self.msgid = msgid
    }

    init?(_ text: String) {
        guard let dash = text.firstIndex(of: "-") else { return nil }
        let time = text[..<dash]
        let msgid = String(text[text.index(after: dash)...])
        guard !msgid.isEmpty else { return nil }
        if time.isEmpty {
            self.init(createTime: nil, msgid: msgid)
        } else {
            guard let seconds = Int(time) else { return nil }
            self.init(createTime: seconds, msgid: msgid)
        }
    }

    /// Whether polls may still be waiting for this answer. Without a creation time nobody can say:
    /// it counts as open (WeCom stops polling by itself when its window ends).
    func isOpen(at now: Date) -> Bool {
        guard let createTime else { return true }
        return now.timeIntervalSince1970 - Double(createTime) < Double(Self.window.components.seconds) + 60
    }
}
