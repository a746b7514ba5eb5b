import Foundation

/// Removes a reasoning model's `<think>…</think>` from a streamed answer — or, with
/// `show_thinking`, turns it into a quote that starts with 💭 — as the deltas arrive. Only a
/// `<think>` at the very start of the answer counts (where models put it), so an answer that
/// mentions the tag keeps it; a tag split between deltas is held back until it is whole.
struct ThinkFilter: Sendable {
    enum Mode: Sendable {
        case drop
        case quote
    }

    private enum State: Sendable {
        case beforeAnswer
        case thinking
        /// Just after `</think>`: the line breaks before the answer are dropped.
        case afterThinking
        case answer
    }

    private static let open = "<think>"
    private static let close = "</think>"

    let mode: Mode
    private var state = State.beforeAnswer
    private var held = ""
    private var quoteStarted = false
    private var atLineStart = true

    init(mode: Mode) {
        self.mode = mode
    }

    /// The text to show for this delta.
    mutating func filter(_ delta: String) -> String {
        var output = ""
        var text = held + delta
        held = ""
        while !text.isEmpty {
            switch state {
            case .answer:
                output += text
                text = ""
            case .afterThinking:
                text = String(text.drop { $0.isNewline })
                if !text.isEmpty { state = .answer }
            case .beforeAnswer:
                let trimmed = text.drop { $0.isWhitespace }
                if trimmed.lowercased().hasPrefix(Self.open) {
                    state = .thinking
                    text = String(trimmed.dropFirst(Self.open.count))
                } else if Self.open.hasPrefix(trimmed.lowercased()) {
                    held = text  // "<thi" so far
                    text = ""
                } else {
                    state = .answer
                }
            case .thinking:
                if let range = text.range(of: Self.close, options: .caseInsensitive) {
                    output += quoted(String(text[..<range.lowerBound]))
                    if mode == .quote, quoteStarted { output += "\n\n" }
                    state = .afterThinking
                    text = String(text[range.upperBound...])
                } else {
                    let keep = Self.partialSuffix(of: text, matching: Self.close)
                    output += quoted(String(text.dropLast(keep)))
                    held = String(text.suffix(keep))
                    text = ""
                }
            }
        }
        return output
    }

    /// The answer is under way (a replaced answer): a `<think>` from here on is text.
    mutating func answerStarted() {
        state = .answer
    }

    /// What is still held back at the end of the answer.
    mutating func finish() -> String {
        defer { held = "" }
        switch state {
        case .beforeAnswer, .answer, .afterThinking: return held
        case .thinking: return quoted(held)
        }
    }

    /// Reasoning as quote lines (or nothing, when it is dropped).
    private mutating func quoted(_ text: String) -> String {
        guard mode == .quote else { return "" }
        var output = ""
        for character in text {
            if !quoteStarted {
                guard character != "\n" else { continue }
                output += "> 💭 "
                quoteStarted = true
                atLineStart = false
            } else if atLineStart {
                output += "> "
                atLineStart = false
            }
            output.append(character)
            if character == "\n" { atLineStart = true }
        }
        return output
    }

    /// How many characters at the end of `text` could begin `tag`.
    private static func partialSuffix(of text: String, matching tag: String) -> Int {
        let lowered = text.lowercased()
        for length in stride(from: min(tag.count - 1, lowered.count), to: 0, by: -1) where tag.hasPrefix(lowered.suffix(length)) {
            return length
        }
        return 0
    }
}
