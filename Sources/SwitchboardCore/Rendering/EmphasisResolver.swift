/// Matches emphasis delimiter runs into bold, italic and strikethrough, the way CommonMark's
/// delimiter stack does: each closer takes the nearest opener of the same character; two markers
/// on both sides make bold (or strikethrough for `~~`), one makes italic. What stays unmatched is
/// text.
enum EmphasisResolver {
    static func resolve(_ nodes: [InlineNode]) -> [MarkdownInline] {
        var nodes = nodes
        var closer = 0
        while closer < nodes.count {
            guard case .delimiter(let close) = nodes[closer], close.canClose, close.count > 0,
                let opener = nearestOpener(in: nodes, before: closer, for: close)
            else {
                closer += 1
                continue
            }
            guard case .delimiter(let open) = nodes[opener] else { continue }
            let used = (close.character == "~" || (open.count >= 2 && close.count >= 2)) ? 2 : 1
            let inner = finish(Array(nodes[(opener + 1)..<closer]))
            let wrapped: MarkdownInline = switch (close.character, used) {
            case ("~", _): .strike(inner)
            case (_, 2): .bold(inner)
            default: .italic(inner)
            }
            var replacement: [InlineNode] = []
            if open.count > used {
                replacement.append(.delimiter(.init(character: open.character, count: open.count - used, canOpen: open.canOpen, canClose: open.canClose)))
            }
            replacement.append(.inline(wrapped))
            var rest: [InlineNode] = []
            if close.count > used {
                rest.append(.delimiter(.init(character: close.character, count: close.count - used, canOpen: close.canOpen, canClose: close.canClose)))
            }
            nodes.replaceSubrange(opener...closer, with: replacement + rest)
            // Continue at what is left of the closer (it may close an outer opener too).
            closer = opener + replacement.count
        }
        return finish(nodes)
    }

    private static func nearestOpener(in nodes: [InlineNode], before closer: Int, for close: InlineNode.Delimiter) -> Int? {
        var index = closer - 1
        while index >= 0 {
            if case .delimiter(let open) = nodes[index], open.character == close.character, open.canOpen, open.count > 0 {
                if close.character == "~", open.count != 2 || close.count != 2 { return nil }
                return index
            }
            index -= 1
        }
        return nil
    }

    /// Unmatched delimiters become text — except a run of two or more that could open or close:
    /// that is a marker the model left unclosed (`**重要`), dropped rather than shown. Adjacent
    /// text merges.
    private static func finish(_ nodes: [InlineNode]) -> [MarkdownInline] {
        var inlines: [MarkdownInline] = []
        for node in nodes {
            let inline: MarkdownInline
            switch node {
            case .inline(let node):
                inline = node
            case .delimiter(let delimiter):
                if delimiter.count >= 2, delimiter.canOpen || delimiter.canClose { continue }
                inline = .text(String(repeating: String(delimiter.character), count: delimiter.count))
            }
            if case .text(let text) = inline, case .text(let previous) = inlines.last {
                inlines[inlines.count - 1] = .text(previous + text)
            } else {
                inlines.append(inline)
            }
        }
        return inlines
    }
}
