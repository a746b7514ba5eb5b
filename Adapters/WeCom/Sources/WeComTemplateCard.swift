import SwitchboardCore

extension WeComPayloads {
    /// A `text_notice` template card for `taskID` showing `text`: its first line as the title, the
    /// rest below it. WeCom shows only so much of either (about 26 and 112 characters in its
    /// clients [U: the documented limits were not confirmed]); `whole` says whether all of `text` fits.
    static func noticeCard(taskID: String, text: String) -> (card: JSONValue, whole: Bool) {
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).map(String.init)
        let title = lines.first ?? ""
        let rest = lines.count > 1 ? lines[1] : ""
        let shownTitle = String(title.prefix(titleCharacters))
        let shownRest = String(rest.prefix(subtitleCharacters))
        let whole = shownTitle.count == title.count && shownRest.count == rest.count
        var card: [String: JSONValue] = [
            "card_type": "text_notice", "task_id": .string(taskID),
            "main_title": ["title": .string(shownTitle.isEmpty ? "✓" : shownTitle)],
        ]
        if !shownRest.isEmpty { card["sub_title_text"] = .string(shownRest) }
        return (.object(card), whole)
    }

    static let titleCharacters = 26
    static let subtitleCharacters = 112
}
