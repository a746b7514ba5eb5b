import Foundation

/// Writes blocks as Feishu `post` rich text: `{"zh_cn":{"content":[[element…]…]}}`, one array per
/// line, elements `text` (with `style` bold/italic/lineThrough), `a` and `at`. Headings become
/// bold lines, lists `•`/`1.` lines, tables one line per row, quotes `> ` lines; blocks are
/// separated by an empty line.
struct FeishuPostWriter: DialectWriter {
    let style: DialectStyle

    struct Element: Encodable, Equatable {
        var tag: String
        var text: String?
        var href: String?
        var userID: String?
        var style: [String]?

        enum CodingKeys: String, CodingKey {
            case tag, text, href
            case userID = "user_id"
            case style
        }

        static func text(_ text: String, _ style: [String] = []) -> Element {
            Element(tag: "text", text: text, style: style.isEmpty ? nil : style)
        }
    }

    private struct Post: Encodable {
        struct Body: Encodable { var content: [[Element]] }
        var zhCN: Body
        enum CodingKeys: String, CodingKey { case zhCN = "zh_cn" }
    }

    typealias PostLine = [Element]

    func render(_ blocks: [MarkdownBlock]) -> String {
        var lines: [PostLine] = []
        for block in blocks {
            let blockLines = self.lines(block)
            guard !blockLines.isEmpty else { continue }
            if !lines.isEmpty { lines.append([.text("")]) }
            lines += blockLines
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Post(zhCN: .init(content: lines)))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private func lines(_ block: MarkdownBlock) -> [PostLine] {
        switch block {
        case .heading(_, let inlines):
            return elements(inlines, style: ["bold"])
        case .paragraph(let inlines):
            return elements(inlines)
        case .list(let list):
            return self.list(list, level: 0)
        case .code(_, let lines):
            return lines.map { [.text($0)] }
        case .table(let table):
            let rows = table.rows.isEmpty ? [table.header] : table.rows
            return rows.map { row in
                var line: PostLine = [.text("• ")]
                for (column, cell) in row.enumerated() {
                    let value = flat(cell)
                    guard !value.isEmpty else { continue }
                    if line.count > 1 { line.append(.text(" · ")) }
                    let name = table.rows.isEmpty ? [] : flat(table.header[column])
                    if !name.isEmpty { line += name + [.text(": ")] }
                    line += value
                }
                return merged(line)
            }
        case .quote(let blocks):
            let inner = blocks.flatMap { block -> [MarkdownBlock] in
                if case .quote(let nested) = block { return nested }
                return [block]
            }
            return inner.flatMap(lines).map { merged([.text(style.quotePrefix)] + $0) }
        case .thematicBreak:
            return [[.text(style.thematicBreak)]]
        case .image(let alt, let url):
            return [[Element(tag: "a", text: alt.isEmpty ? url : alt, href: url)]]
        case .thinking:
            return []
        }
    }

    private func list(_ list: MarkdownList, level: Int) -> [PostLine] {
        let indent = String(repeating: "  ", count: level)
        var lines: [PostLine] = []
        for (index, item) in list.items.enumerated() {
            let marker = list.ordered ? "\(list.start + index). " : ["• ", "◦ ", "▪ "][min(level, 2)]
            var first = true
            for block in item {
                let blockLines: [PostLine] = if case .list(let nested) = block { self.list(nested, level: level + 1) } else { self.lines(block) }
                for line in blockLines {
                    if first {
                        lines.append(merged([.text(indent + marker)] + line))
                        first = false
                    } else if case .list = block {
                        lines.append(line)
                    } else {
                        lines.append(merged([.text(indent + "  ")] + line))
                    }
                }
            }
            if first { lines.append([.text(indent + marker)]) }
        }
        return lines
    }

    /// Inlines as lines of elements (a line break starts a new line).
    private func elements(_ inlines: [MarkdownInline], style: [String] = []) -> [PostLine] {
        var lines: [PostLine] = [[]]
        func add(_ inline: MarkdownInline, _ style: [String]) {
            switch inline {
            case .text(let text), .code(let text):
                lines[lines.count - 1].append(.text(text, style))
            case .bold(let inner):
                inner.forEach { add($0, style.contains("bold") ? style : style + ["bold"]) }
            case .italic(let inner):
                inner.forEach { add($0, style.contains("italic") ? style : style + ["italic"]) }
            case .strike(let inner):
                inner.forEach { add($0, style.contains("lineThrough") ? style : style + ["lineThrough"]) }
            case .link(let text, let url):
                let visible = MarkdownInline.visibleText(text)
                lines[lines.count - 1].append(Element(tag: "a", text: visible.isEmpty ? url : visible, href: url, style: style.isEmpty ? nil : style))
            case .image(let alt, let url):
                lines[lines.count - 1].append(Element(tag: "a", text: alt.isEmpty ? url : alt, href: url))
            case .mention(let id, _):
                lines[lines.count - 1].append(Element(tag: "at", userID: id))
            case .lineBreak:
                lines.append([])
            }
        }
        inlines.forEach { add($0, style) }
        return lines.map(merged).map { $0.isEmpty ? [.text("")] : $0 }
    }

    /// A cell's content on one line.
    private func flat(_ inlines: [MarkdownInline]) -> PostLine {
        elements(inlines).enumerated().flatMap { index, line in index == 0 ? line : [.text(" ")] + line }.filter { $0 != .text("") }
    }

    /// Adjacent text elements with the same style become one.
    private func merged(_ line: PostLine) -> PostLine {
        var result: PostLine = []
        for element in line {
            if element.tag == "text", let last = result.last, last.tag == "text", last.style == element.style {
                result[result.count - 1].text = (last.text ?? "") + (element.text ?? "")
            } else {
                result.append(element)
            }
        }
        return result
    }
}
