import Foundation

/// What a single line of Markdown starts: the block parser's vocabulary.
enum Line {
    static func isBlank(_ line: String) -> Bool {
        line.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    /// Leading whitespace in columns (a tab counts to the next multiple of four).
    static func indent(_ line: String) -> Int {
        var columns = 0
        for byte in line.utf8 {
            if byte == 0x20 {
                columns += 1
            } else if byte == 0x09 {
                columns += 4 - columns % 4
            } else {
                break
            }
        }
        return columns
    }

    /// Removes up to `columns` columns of leading whitespace.
    static func dropIndent(_ line: String, upTo columns: Int) -> String {
        var removed = 0
        var index = line.startIndex
        while index < line.endIndex, removed < columns {
            let character = line[index]
            if character == " " {
                removed += 1
            } else if character == "\t" {
                removed += 4 - removed % 4
            } else {
                break
            }
            index = line.index(after: index)
        }
        return String(line[index...])
    }

    // MARK: Fences

    struct Fence {
        var character: Character
        var count: Int
        var indent: Int
        var info: String?
    }

    static func openingFence(_ line: String) -> Fence? {
        guard let byte = line.firstNonBlankByte, byte == 0x60 || byte == 0x7E else { return nil }
        let indent = indent(line)
        guard indent <= 3 else { return nil }
        let body = line.trimmingLeadingWhitespace()
        guard let first = body.first, first == "`" || first == "~" else { return nil }
        let count = body.prefix { $0 == first }.count
        guard count >= 3 else { return nil }
        let info = body.dropFirst(count).trimmingSpaces()
        if first == "`", info.contains("`") { return nil }
        let language = info.split(separator: " ").first.map(String.init)
        return Fence(character: first, count: count, indent: indent, info: language)
    }

    static func closesFence(_ line: String, _ fence: Fence) -> Bool {
        guard let byte = line.firstNonBlankByte, byte == 0x60 || byte == 0x7E, indent(line) <= 3 else { return false }
        let body = line.trimmingSpaces()
        return body.count >= fence.count && body.allSatisfy { $0 == fence.character }
    }

    // MARK: Headings and breaks

    static func atxHeading(_ line: String) -> (level: Int, text: String)? {
        guard line.firstNonBlankByte == 0x23, indent(line) <= 3 else { return nil }
        let body = line.trimmingLeadingWhitespace()
        let level = body.prefix { $0 == "#" }.count
        guard (1...6).contains(level) else { return nil }
        let rest = body.dropFirst(level)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var text = rest.trimmingSpaces()
        // A closing run of #s, separated by a space, is not part of the text.
        if let space = text.lastIndex(of: " "), text[text.index(after: space)...].allSatisfy({ $0 == "#" }) {
            text = String(text[..<space]).trimmingSpaces()
        } else if text.allSatisfy({ $0 == "#" }) {
            text = ""
        }
        return (level, text)
    }

    static func isThematicBreak(_ line: String) -> Bool {
        guard let first = line.firstNonBlankByte, first == 0x2D || first == 0x2A || first == 0x5F, indent(line) <= 3 else { return false }
        var count = 0
        for byte in line.utf8 where byte != 0x20 && byte != 0x09 {
            guard byte == first else { return false }
            count += 1
        }
        return count >= 3
    }

    /// 1 for `===`, 2 for `---` under a paragraph line.
    static func setextUnderline(_ line: String) -> Int? {
        guard let byte = line.firstNonBlankByte, byte == 0x3D || byte == 0x2D, indent(line) <= 3 else { return nil }
        let body = line.trimmingSpaces()
        guard let first = body.first, body.allSatisfy({ $0 == first }) else { return nil }
        return first == "=" ? 1 : first == "-" ? 2 : nil
    }

    // MARK: Quotes

    static func isQuote(_ line: String) -> Bool {
        line.firstNonBlankByte == 0x3E && indent(line) <= 3
    }

    static func stripQuoteMarker(_ line: String) -> String {
        var body = Substring(line.trimmingLeadingWhitespace().dropFirst())
        if body.first == " " { body = body.dropFirst() }
        return String(body)
    }

    // MARK: Lists

    struct ListMarker {
        var ordered: Bool
        var number: Int
        var indent: Int
        /// The column where the item's content starts; continuation lines are indented this far.
        var contentIndent: Int
        var content: String
    }

    static func listMarker(_ line: String) -> ListMarker? {
        guard let byte = line.firstNonBlankByte, byte == 0x2D || byte == 0x2A || byte == 0x2B || (0x30...0x39).contains(byte) else { return nil }
        let indent = indent(line)
        let body = Line.dropIndent(line, upTo: indent)
        guard let first = body.first else { return nil }
        var markerWidth: Int
        var ordered = false
        var number = 1
        if first == "-" || first == "*" || first == "+" {
            markerWidth = 1
        } else {
            let digits = body.prefix { $0.isASCII && $0.isNumber }
            guard (1...9).contains(digits.count), let delimiter = body.dropFirst(digits.count).first, delimiter == "." || delimiter == ")" else {
                return nil
            }
            ordered = true
            number = Int(digits) ?? 1
            markerWidth = digits.count + 1
        }
        let afterMarker = body.dropFirst(markerWidth)
        if afterMarker.isEmpty {
            return ListMarker(ordered: ordered, number: number, indent: indent, contentIndent: indent + markerWidth + 1, content: "")
        }
        let spaces = afterMarker.prefix { $0 == " " || $0 == "\t" }.count
        guard spaces >= 1 else { return nil }
        // More than four spaces: the content is indented code; keep one space as the separator.
        let gap = spaces > 4 ? 1 : spaces
        let content = String(afterMarker.dropFirst(gap))
        return ListMarker(ordered: ordered, number: number, indent: indent, contentIndent: indent + markerWidth + gap, content: content)
    }

    /// Whether the line starts a block that ends a paragraph or a lazy continuation.
    static func startsBlock(_ line: String) -> Bool {
        openingFence(line) != nil || atxHeading(line) != nil || isThematicBreak(line) || isQuote(line)
    }

    // MARK: Tables

    /// The column alignments when the line is a GFM delimiter row such as `| :-- | --: |`.
    static func tableDelimiter(_ line: String) -> [MarkdownTable.Alignment]? {
        guard line.utf8.contains(0x7C), line.utf8.contains(0x2D),
            line.utf8.allSatisfy({ $0 == 0x7C || $0 == 0x2D || $0 == 0x3A || $0 == 0x20 || $0 == 0x09 }), indent(line) <= 3
        else { return nil }
        let cells = tableCells(line)
        guard !cells.isEmpty else { return nil }
        var alignments: [MarkdownTable.Alignment] = []
        for cell in cells {
            let left = cell.hasPrefix(":"), right = cell.hasSuffix(":")
            let dashes = cell.dropFirst(left ? 1 : 0).dropLast(right && cell.count > 1 ? 1 : 0)
            guard !dashes.isEmpty, dashes.allSatisfy({ $0 == "-" }) else { return nil }
            alignments.append(left && right ? .center : left ? .left : right ? .right : .none)
        }
        return alignments
    }

    /// The cells of a table row: outer pipes dropped, split on pipes that are neither escaped
    /// nor inside a code span, each trimmed.
    static func tableCells(_ line: String) -> [String] {
        var body = Substring(line.trimmingSpaces())
        if body.first == "|" { body = body.dropFirst() }
        if body.last == "|", !body.hasSuffix("\\|") { body = body.dropLast() }
        var cells: [String] = []
        var current = String.UnicodeScalarView()
        var inCode = false
        var escaped = false
        for scalar in body.unicodeScalars {
            if escaped {
                if scalar != "|" { current.append("\\") }
                current.append(scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "`" {
                inCode.toggle()
                current.append(scalar)
            } else if scalar == "|", !inCode {
                cells.append(String(current).trimmingSpaces())
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if escaped { current.append("\\") }
        cells.append(String(current).trimmingSpaces())
        return cells
    }

    // MARK: Paragraphs

    /// Leading whitespace and the hard-break markers at the end (two spaces, a backslash) go:
    /// every line break in a paragraph is kept as a break.
    static func trimForParagraph(_ line: String) -> String {
        var text = line.trimmingLeadingWhitespace()
        while text.last == " " || text.last == "\t" { text.removeLast() }
        if text.hasSuffix("\\"), !text.hasSuffix("\\\\") { text.removeLast() }
        return text
    }
}

extension String {
    func trimmingLeadingWhitespace() -> String {
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        return first == startIndex ? self : String(self[first...])
    }
}
