import Foundation

/// Writes blocks in one dialect — Markdown for the platforms that render it, plain text for the
/// ones that do not — lowering what the dialect cannot show as its ``DialectStyle`` says.
protocol DialectWriter: Sendable {
    func render(_ blocks: [MarkdownBlock]) -> String
}

extension MarkdownDialect {
    var writer: any DialectWriter {
        switch style.output {
        case .text: MarkdownWriter(style: style)
        case .feishuPost: FeishuPostWriter(style: style)
        }
    }
}

struct MarkdownWriter: DialectWriter {
    let style: DialectStyle

    func render(_ blocks: [MarkdownBlock]) -> String {
        blocks.map(block).filter { !$0.isEmpty }.joined(separator: style.blockSeparator)
    }

    func block(_ block: MarkdownBlock) -> String {
        switch block {
        case .heading(let level, let inlines):
            let text = inline(inlines, insideBold: style.headings == .boldLine).replacingAll(style.lineBreak, with: " ")
            guard !text.isEmpty else { return "" }
            switch style.headings {
            case .markdown: return String(repeating: "#", count: level) + " " + text
            case .boldLine: return style.bold ? wrap(text, style.markers.bold) : text
            }
        case .paragraph(let inlines): return protectingLineStarts(inline(inlines))
        case .list(let list): return self.list(list, level: 0)
        case .code(let language, let lines): return code(language: language, lines: lines)
        case .table(let table): return style.tables ? gfmTable(table) : tableRows(table)
        case .quote(let blocks): return quote(blocks)
        case .thematicBreak: return style.thematicBreak
        case .image(let alt, let url): return inline([.image(alt: alt, url: url)])
        case .thinking: return ""
        }
    }

    /// Text that would start a block where it sits (`1. `, `# `, `> `, ``` ``` ```, `|`, `---`)
    /// gets a zero-width space in front, so a Markdown renderer keeps it text — backslash escapes
    /// are not honoured everywhere. Leading spaces go (four would make indented code).
    private func protectingLineStarts(_ text: String) -> String {
        guard style.rendersMarkdown else { return text }
        return text.lineSlices.map { line in
            let line = String(line).trimmingLeadingWhitespace()
            let startsBlock = Line.startsBlock(line) || Line.listMarker(line) != nil || Line.setextUnderline(line) != nil
                || line.hasPrefix("|")
            return startsBlock ? "\u{200B}" + line : line
        }.joined(separator: "\n")
    }

    // MARK: Lists

    private func list(_ list: MarkdownList, level: Int) -> String {
        list.items.enumerated().map { index, item in
            var marker: String
            if list.ordered {
                marker = "\(list.start + index). "
            } else {
                marker = style.lists ? "- " : ["• ", "◦ ", "▪ "][min(level, 2)]
            }
            // Markdown list markers are markup; lowered ones are text.
            if !style.lists { marker = escapedText(marker) }
            let indent = String(repeating: " ", count: style.lists ? marker.count : 2)
            var lines: [String] = []
            for block in item {
                let isNestedList: Bool
                let text: String
                if case .list(let nested) = block {
                    isNestedList = true
                    text = self.list(nested, level: level + 1)
                } else {
                    isNestedList = false
                    text = self.block(block)
                }
                guard !text.isEmpty else { continue }
                // Two paragraphs of an item need a blank line between them, or Markdown merges them.
                if !lines.isEmpty, !isNestedList, style.lists { lines.append("") }
                for (number, line) in text.lineSlices.enumerated() {
                    if lines.isEmpty, number == 0 {
                        lines.append(marker + line)
                    } else {
                        lines.append(line.isEmpty ? "" : indent + line)
                    }
                }
            }
            return lines.isEmpty ? marker.trimmingTrailingSpaces() : lines.joined(separator: "\n")
        }.joined(separator: style.lineBreak)
    }

    // MARK: Code

    private func code(language: String?, lines: [String]) -> String {
        switch style.codeBlocks {
        case .fenced, .fencedWithHardBreaks:
            let lines = lines.map(escapedCode)
            let longestRun = lines.map { $0.longestRun(of: "`") }.max() ?? 0
            let fence = String(repeating: "`", count: max(3, longestRun + 1))
            let body = style.codeBlocks == .fencedWithHardBreaks ? lines.map { $0 + "  " } : lines
            return ([fence + Self.languageTag(language)] + body + [fence]).joined(separator: "\n")
        case .inlineCodePerLine:
            return lines.map(codeLineAsInlineCode).joined(separator: "\n")
        case .plainLines:
            return lines.map(escapedText).joined(separator: "\n")
        }
    }

    /// Letters, digits and `+#._-` only: anything else in an info string could break the fence.
    static func languageTag(_ language: String?) -> String {
        String((language ?? "").filter { $0.isASCII && ($0.isLetter || $0.isNumber || "+#._-".contains($0)) }.prefix(24))
    }

    // MARK: Tables

    private func gfmTable(_ table: MarkdownTable) -> String {
        func row(_ cells: [[MarkdownInline]]) -> String {
            "| " + cells.map { cell($0) }.joined(separator: " | ") + " |"
        }
        let delimiter = "| " + table.alignments.map { alignment in
            switch alignment {
            case .none: "---"
            case .left: ":--"
            case .right: "--:"
            case .center: ":-:"
            }
        }.joined(separator: " | ") + " |"
        return ([row(table.header), delimiter] + table.rows.map(row)).joined(separator: "\n")
    }

    private func cell(_ inlines: [MarkdownInline]) -> String {
        inline(inlines).replacingAll(style.lineBreak, with: " ").replacingAll("|", with: "\\|")
    }

    /// One line per row: `• header: cell · header: cell`.
    private func tableRows(_ table: MarkdownTable) -> String {
        let header = table.header.map { inline($0).replacingAll(style.lineBreak, with: " ") }
        let rows = table.rows.isEmpty ? [table.header] : table.rows
        return rows.map { row in
            let cells = zip(header, row).compactMap { name, value -> String? in
                let value = inline(value).replacingAll(style.lineBreak, with: " ")
                if table.rows.isEmpty { return value.isEmpty ? nil : value }
                guard !value.isEmpty else { return nil }
                return name.isEmpty ? value : "\(name): \(value)"
            }
            return escapedText("• ") + cells.joined(separator: escapedText(" · "))
        }.joined(separator: style.lineBreak)
    }

    // MARK: Quotes

    private func quote(_ blocks: [MarkdownBlock]) -> String {
        let inner = style.nestedQuotes ? render(blocks) : render(blocks.flatMap(Self.unquoted))
        return inner.lineSlices.map { line in
            line.isEmpty ? style.quotePrefix.trimmingTrailingSpaces() : style.quotePrefix + line
        }.joined(separator: "\n")
    }

    private static func unquoted(_ block: MarkdownBlock) -> [MarkdownBlock] {
        if case .quote(let inner) = block { return inner.flatMap(unquoted) }
        return [block]
    }

    // MARK: Inlines

    func inline(_ inlines: [MarkdownInline], insideBold: Bool = false) -> String {
        var result = ""
        for inline in inlines {
            let text = self.inline(inline, insideBold: insideBold)
            // `*a*` followed by `**b**` would read `*a***b**`: a zero-width space keeps them apart.
            if let last = result.last, let first = text.first, Self.markers.contains(last), Self.markers.contains(first) {
                result.append("\u{200B}")
            }
            result += text
        }
        return result
    }

    private static let markers: Set<Character> = ["*", "~", "_"]

    private func inline(_ inline: MarkdownInline, insideBold: Bool) -> String {
        switch inline {
        case .text(let text):
            return escapedText(text)
        case .bold(let inner):
            let text = self.inline(inner, insideBold: true)
            return style.bold && !insideBold ? wrap(text, style.markers.bold) : text
        case .italic(let inner):
            return style.italic ? wrap(self.inline(inner, insideBold: insideBold), style.markers.italic) : self.inline(inner, insideBold: insideBold)
        case .strike(let inner):
            return style.strikethrough ? wrap(self.inline(inner, insideBold: insideBold), style.markers.strikethrough) : self.inline(inner, insideBold: insideBold)
        case .code(let code):
            return style.inlineCode ? inlineCode(escapedCode(code)) : escapedText(code)
        case .link(let text, let url):
            return link(self.inline(text, insideBold: insideBold), visible: MarkdownInline.visibleText(text), url: url)
        case .image(let alt, let url):
            switch style.images {
            case .markdown: return "![\(escapedText(alt))](\(destination(url)))"
            case .link: return link(escapedText(alt), visible: alt, url: url)
            case .markdownForKeys(let prefix) where url.hasPrefix(prefix): return "![\(escapedText(alt))](\(destination(url)))"
            case .markdownForKeys: return link(escapedText(alt), visible: alt, url: url)
            }
        case .mention(let id, let name):
            return style.mention(id, name)
        case .lineBreak:
            return style.lineBreak
        }
    }

    private func link(_ text: String, visible: String, url: String) -> String {
        switch style.links {
        case .markdown: return "[\(text.isEmpty ? escapedText(url) : text)](\(destination(url)))"
        case .textThenURL: return visible.isEmpty || visible == url ? escapedText(url) : "\(text) \(escapedText("(" + url + ")"))"
        }
    }

    /// A URL with spaces or parentheses goes between angle brackets, unless the dialect escapes
    /// destinations its own way.
    private func destination(_ url: String) -> String {
        if let escaping = style.escaping { return escaping.url(url) }
        return url.contains(" ") || url.contains("(") || url.contains(")") ? "<\(url)>" : url
    }

    private func escapedText(_ text: String) -> String {
        style.escaping?.text(text) ?? text
    }

    private func escapedCode(_ code: String) -> String {
        style.escaping?.code(code) ?? code
    }

    /// A code line as inline code; a line with backticks in it stays text, behind a zero-width
    /// space so that nothing in it (`1. ```swift`) can be read as a fence or a list.
    private func codeLineAsInlineCode(_ line: String) -> String {
        guard !line.isEmpty else { return "" }
        return line.contains("`") ? "\u{200B}" + escapedText(line) : "`\(escapedCode(line))`"
    }

    private func inlineCode(_ code: String) -> String {
        // A dialect that escapes backticks in code needs no longer fence.
        let run = style.escaping == nil ? code.longestRun(of: "`") : 0
        guard run > 0 else { return "`\(code)`" }
        let fence = String(repeating: "`", count: run + 1)
        return "\(fence) \(code) \(fence)"
    }

    /// Markers hug the text: surrounding spaces go outside them, or they would not be emphasis.
    private func wrap(_ text: String, _ marker: String) -> String {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { return text }
        let leading = text.prefix { $0 == " " }
        let trailing = text.reversed().prefix { $0 == " " }
        return leading + marker + trimmed + marker + String(trailing)
    }
}

extension String {
    func longestRun(of character: Character) -> Int {
        var longest = 0, current = 0
        for element in self {
            current = element == character ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }

    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
