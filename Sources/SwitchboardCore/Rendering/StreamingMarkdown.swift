/// An answer still being written, made safe to show in a card or stream frame that is updated in
/// place: an intermediate frame never shows broken markup.
///
/// - A table still arriving is held back: its header until the delimiter row is there, and a
///   row whose line is not finished.
/// - An unfinished `**`, `~~` or `` ` `` on the last line is closed.
/// - An open code fence needs nothing: the parser ends it at the end of the text and the writer
///   closes it.
public enum StreamingMarkdown {
    public static func displayable(_ text: String) -> String {
        var lines = MarkdownParser.normalize(text).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let last = lines.last, isTableLine(last) {
            lines.removeLast()  // a row still being written
        }
        let trailingTable = lines.reversed().prefix { isTableLine($0) }.count
        if trailingTable > 0 {
            let run = Array(lines.suffix(trailingTable))
            if run.count < 2 || Line.tableDelimiter(run[1]) == nil {
                lines.removeLast(trailingTable)  // a header without its delimiter row yet
            }
        }
        guard !insideFence(lines), var last = lines.popLast() else { return lines.joined(separator: "\n") }
        last = closeInline(last)
        return (lines + [last]).joined(separator: "\n")
    }

    private static func isTableLine(_ line: String) -> Bool {
        line.trimmingLeadingWhitespace().hasPrefix("|")
    }

    private static func insideFence(_ lines: [String]) -> Bool {
        var open: Line.Fence?
        for line in lines {
            if let fence = open {
                if Line.closesFence(line, fence) { open = nil }
            } else if let fence = Line.openingFence(line) {
                open = fence
            }
        }
        return open != nil
    }

    /// Closes `**`, `~~` and `` ` `` left open on the line (markers inside code spans ignored).
    private static func closeInline(_ line: String) -> String {
        var inCode = false
        var stars = 0, tildes = 0
        var previous: Character?
        var run = 0
        for character in line + " " {
            if character == previous, character == "*" || character == "~" {
                run += 1
                continue
            }
            if let previous, !inCode {
                if previous == "*" { stars += run / 2 }
                if previous == "~" { tildes += run / 2 }
            }
            if character == "`" { inCode.toggle() }
            previous = character
            run = 1
        }
        var closed = line
        if inCode { closed += "`" }
        if tildes % 2 == 1 { closed += "~~" }
        if stars % 2 == 1 { closed += "**" }
        return closed
    }
}

/// When to update a message in place while an answer streams: not more often than
/// `minimumInterval`, and only when the text grew by `minimumGrowth` bytes — the final update is
/// always sent. Feishu allows 5 updates per second per message [D message/patch]; the default keeps
/// well under it.
public struct StreamThrottle: Sendable {
    public var minimumInterval: Duration
    public var minimumGrowth: Int
    private var lastSent: ContinuousClock.Instant?
    private var lastLength = 0

    public init(minimumInterval: Duration = .milliseconds(500), minimumGrowth: Int = 40) {
        self.minimumInterval = minimumInterval
        self.minimumGrowth = minimumGrowth
    }

    /// The answer was replaced (a backend's `.replace`): its length starts again, so the new text
    /// does not wait to outgrow the old.
    public mutating func answerReplaced() {
        lastLength = 0
    }

    /// Whether to send an update now for an answer that is `length` bytes long; when it says yes,
    /// the update is recorded as sent.
    public mutating func shouldUpdate(length: Int, at now: ContinuousClock.Instant, isFinal: Bool) -> Bool {
        let grownEnough = length - lastLength >= minimumGrowth
        let waitedEnough = lastSent.map { now - $0 >= minimumInterval } ?? true
        let send = isFinal ? (length != lastLength || lastSent == nil) : (grownEnough && waitedEnough)
        if send {
            lastSent = now
            lastLength = length
        }
        return send
    }
}
