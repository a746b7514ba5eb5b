/// Parses the Markdown LLMs write — CommonMark blocks, GFM tables, `<think>` sections, CJK text —
/// into a ``MarkdownDocument``. It never fails: whatever it does not understand stays text, an
/// unclosed code fence runs to the end, unmatched emphasis markers stay literal.
public enum MarkdownParser {
    public static func parse(_ text: String) -> MarkdownDocument {
        var blocks: [MarkdownBlock] = []
        for segment in ThinkSections.split(normalize(text)) {
            var parser = BlockParser(lines: segment.text.lineSlices.map(String.init))
            let parsed = parser.parseBlocks()
            if segment.isThinking {
                if !parsed.isEmpty { blocks.append(.thinking(parsed)) }
            } else {
                blocks += parsed
            }
        }
        return MarkdownDocument(blocks)
    }

    /// One line ending, no NUL characters.
    static func normalize(_ text: String) -> String {
        var text = text
        if text.utf8.contains(0x0D) {
            text = text.replacingAll("\r\n", with: "\n").replacingAll("\r", with: "\n")
        }
        if text.utf8.contains(0x00) { text = text.replacingAll("\0", with: "") }
        return text
    }
}

/// `<think>…</think>` sections of reasoning models, found at the start of a line; an unclosed one
/// runs to the end (the model is still thinking).
enum ThinkSections {
    struct Segment {
        var text: String
        var isThinking: Bool
    }

    static func split(_ text: String) -> [Segment] {
        guard text.rangeIgnoringASCIICase(of: "<think>") != nil else { return [Segment(text: text, isThinking: false)] }
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.rangeIgnoringASCIICase(of: "<think>") {
            // At a line start of the whole text: `rest` may begin mid-line, right after a
            // `<think>` that was not one or after a `</think>`.
            let lineStart = (open.lowerBound == text.startIndex ? nil : text[..<open.lowerBound].last).map { $0 == "\n" } ?? true
            guard lineStart else {
                // Not at a line start: plain text; look further on.
                segments.append(Segment(text: String(rest[..<open.upperBound]), isThinking: false))
                rest = rest[open.upperBound...]
                continue
            }
            segments.append(Segment(text: String(rest[..<open.lowerBound]), isThinking: false))
            let inside = rest[open.upperBound...]
            if let close = inside.rangeIgnoringASCIICase(of: "</think>") {
                segments.append(Segment(text: String(inside[..<close.lowerBound]), isThinking: true))
                rest = inside[close.upperBound...]
            } else {
                segments.append(Segment(text: String(inside), isThinking: true))
                rest = ""
            }
        }
        segments.append(Segment(text: String(rest), isThinking: false))
        return mergeAdjacentText(segments)
    }

    private static func mergeAdjacentText(_ segments: [Segment]) -> [Segment] {
        var merged: [Segment] = []
        for segment in segments {
            if let last = merged.last, !last.isThinking, !segment.isThinking {
                merged[merged.count - 1].text += segment.text
            } else {
                merged.append(segment)
            }
        }
        return merged
    }
}

/// The block structure, line by line.
struct BlockParser {
    let lines: [String]
    var index = 0

    init(lines: [String]) {
        self.lines = lines
    }

    mutating func parseBlocks() -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        while index < lines.count {
            let line = lines[index]
            if Line.isBlank(line) {
                index += 1
            } else if let fence = Line.openingFence(line) {
                blocks.append(parseFence(fence))
            } else if let heading = Line.atxHeading(line) {
                blocks.append(.heading(level: heading.level, InlineParser.parse(heading.text)))
                index += 1
            } else if Line.isThematicBreak(line) {
                blocks.append(.thematicBreak)
                index += 1
            } else if Line.isQuote(line) {
                blocks.append(parseQuote())
            } else if let marker = Line.listMarker(line) {
                blocks.append(.list(parseList(first: marker)))
            } else if Line.indent(line) >= 4 {
                blocks.append(parseIndentedCode())
            } else if let table = tableStart(at: index) {
                blocks.append(parseTable(alignments: table))
            } else {
                blocks.append(parseParagraph())
            }
        }
        return blocks
    }

    // MARK: Code

    private mutating func parseFence(_ fence: Line.Fence) -> MarkdownBlock {
        index += 1
        var content: [String] = []
        while index < lines.count {
            let line = lines[index]
            index += 1
            if Line.closesFence(line, fence) { break }
            content.append(Line.dropIndent(line, upTo: fence.indent))
        }
        // An unclosed fence runs to the end of the text, whose last line is usually empty.
        while let last = content.last, Line.isBlank(last) { content.removeLast() }
        return .code(language: fence.info, lines: content)
    }

    private mutating func parseIndentedCode() -> MarkdownBlock {
        var content: [String] = []
        while index < lines.count {
            let line = lines[index]
            if Line.isBlank(line) {
                // A blank line stays inside only if more indented code follows.
                guard let next = nextNonBlank(after: index), Line.indent(lines[next]) >= 4 else { break }
                content.append("")
                index += 1
            } else if Line.indent(line) >= 4 {
                content.append(Line.dropIndent(line, upTo: 4))
                index += 1
            } else {
                break
            }
        }
        return .code(language: nil, lines: content)
    }

    // MARK: Quotes

    private mutating func parseQuote() -> MarkdownBlock {
        var inner: [String] = []
        while index < lines.count {
            let line = lines[index]
            if Line.isQuote(line) {
                inner.append(Line.stripQuoteMarker(line))
            } else if !Line.isBlank(line), let last = inner.last, !Line.isBlank(last), !Line.startsBlock(line) {
                inner.append(line)  // a lazy continuation of the quoted paragraph
            } else {
                break
            }
            index += 1
        }
        var parser = BlockParser(lines: inner)
        return .quote(parser.parseBlocks())
    }

    // MARK: Lists

    private mutating func parseList(first: Line.ListMarker) -> MarkdownList {
        var items: [[MarkdownBlock]] = []
        var marker = first
        while true {
            items.append(parseListItem(marker))
            guard let next = nextNonBlank(from: index), let following = Line.listMarker(lines[next]),
                following.ordered == first.ordered, following.indent <= first.indent + 3, following.indent < marker.contentIndent
            else { break }
            index = next
            marker = following
        }
        return MarkdownList(ordered: first.ordered, start: first.number, items: items)
    }

    private mutating func parseListItem(_ marker: Line.ListMarker) -> [MarkdownBlock] {
        var itemLines = [marker.content]
        index += 1
        while index < lines.count {
            let line = lines[index]
            if Line.isBlank(line) {
                guard let next = nextNonBlank(after: index), Line.indent(lines[next]) >= marker.contentIndent else { break }
                itemLines.append("")
            } else if Line.indent(line) >= marker.contentIndent {
                itemLines.append(Line.dropIndent(line, upTo: marker.contentIndent))
            } else if let nested = Line.listMarker(line), nested.indent > marker.indent {
                // Loosely indented nested list (two spaces under "1. ").
                itemLines.append(Line.dropIndent(line, upTo: nested.indent))
            } else if Line.listMarker(line) != nil || Line.startsBlock(line) {
                break
            } else if let last = itemLines.last, !Line.isBlank(last) {
                itemLines.append(line.trimmingLeadingWhitespace())  // lazy continuation
            } else {
                break
            }
            index += 1
        }
        var parser = BlockParser(lines: itemLines)
        return parser.parseBlocks()
    }

    // MARK: Tables

    /// The alignments when the line at `row` is a table header followed by its delimiter row.
    private func tableStart(at row: Int) -> [MarkdownTable.Alignment]? {
        guard row + 1 < lines.count, lines[row].utf8.contains(0x7C), let alignments = Line.tableDelimiter(lines[row + 1]) else { return nil }
        return alignments
    }

    private mutating func parseTable(alignments: [MarkdownTable.Alignment]) -> MarkdownBlock {
        let headerCells = Line.tableCells(lines[index])
        let columns = max(headerCells.count, 1)
        func fit(_ cells: [String]) -> [[MarkdownInline]] {
            let padded = cells.count >= columns ? Array(cells.prefix(columns)) : cells + Array(repeating: "", count: columns - cells.count)
            return padded.map(InlineParser.parse)
        }
        let header = fit(headerCells)
        let alignments = alignments.count >= columns
            ? Array(alignments.prefix(columns)) : alignments + Array(repeating: .none, count: columns - alignments.count)
        index += 2
        var rows: [[[MarkdownInline]]] = []
        while index < lines.count {
            let line = lines[index]
            guard !Line.isBlank(line), line.utf8.contains(0x7C), !Line.startsBlock(line) else { break }
            rows.append(fit(Line.tableCells(line)))
            index += 1
        }
        return .table(MarkdownTable(header: header, alignments: alignments, rows: rows))
    }

    // MARK: Paragraphs

    private mutating func parseParagraph() -> MarkdownBlock {
        var text: [String] = []
        while index < lines.count {
            let line = lines[index]
            if !text.isEmpty {
                if Line.isBlank(line) || Line.openingFence(line) != nil || Line.atxHeading(line) != nil || Line.isQuote(line) {
                    break
                }
                if let level = Line.setextUnderline(line) {
                    index += 1
                    return .heading(level: level, InlineParser.parse(text.joined(separator: "\n")))
                }
                if Line.isThematicBreak(line) || tableStart(at: index) != nil { break }
                if let marker = Line.listMarker(line), !marker.ordered || marker.number == 1, !marker.content.isEmpty { break }
            }
            text.append(Line.trimForParagraph(line))
            index += 1
        }
        let inlines = InlineParser.parse(text.joined(separator: "\n"))
        if inlines.count == 1, case .image(let alt, let url) = inlines[0] { return .image(alt: alt, url: url) }
        return .paragraph(inlines)
    }

    private func nextNonBlank(after row: Int) -> Int? {
        nextNonBlank(from: row + 1)
    }

    private func nextNonBlank(from row: Int) -> Int? {
        var row = row
        while row < lines.count {
            if !Line.isBlank(lines[row]) { return row }
            row += 1
        }
        return nil
    }
}
