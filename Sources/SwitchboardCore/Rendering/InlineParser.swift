/// Inline Markdown: code spans, escapes, links and images, autolinks and bare URLs, `<br>`,
/// emphasis (`**`, `*`, `__`, `_`, `~~`). Emphasis follows CommonMark's delimiter matching with
/// lenient flanking rules, because LLMs write `**注意：**这是` and every platform renders it bold.
/// Unmatched markers stay literal text; nothing fails.
enum InlineParser {
    static func parse(_ text: String) -> [MarkdownInline] {
        var scanner = InlineScanner(text)
        return EmphasisResolver.resolve(scanner.scan())
    }
}

/// A scanned inline: finished, or a run of emphasis markers waiting to be matched.
enum InlineNode {
    case inline(MarkdownInline)
    case delimiter(Delimiter)

    struct Delimiter {
        var character: Character
        var count: Int
        var canOpen: Bool
        var canClose: Bool
    }
}

/// Scans Unicode scalars, not characters: every piece of syntax is ASCII, and grapheme breaking
/// would cost more than all the rest.
struct InlineScanner {
    let source: String
    let characters: [Unicode.Scalar]
    /// Where each scalar starts in `source` (and `source.endIndex` last), so that runs of text
    /// are copied as slices.
    let offsets: [String.Index]
    var position = 0
    var nodes: [InlineNode] = []
    var text = ""

    init(_ source: String) {
        self.source = source
        self.characters = Array(source.unicodeScalars)
        self.offsets = Array(source.unicodeScalars.indices) + [source.endIndex]
    }

    private func string(_ range: Range<Int>) -> String {
        String(source[offsets[range.lowerBound]..<offsets[range.upperBound]])
    }

    mutating func scan() -> [InlineNode] {
        while position < characters.count {
            let character = characters[position]
            switch character {
            case "\\": scanEscape()
            case "`": scanCodeSpan()
            case "!" where peek(1) == "[": if !scanLink(image: true) { appendText("!") }
            case "[": if !scanLink(image: false) { appendText("[") }
            case "<": if !scanAngle() { appendText("<") }
            case "*", "_", "~": scanDelimiterRun(Character(character))
            case "\n":
                flushText()
                nodes.append(.inline(.lineBreak))
                position += 1
            case "h", "w":
                if !scanBareURL() { appendText(character) }
            default:
                appendPlainRun()
            }
        }
        flushText()
        return nodes
    }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < characters.count ? characters[position + offset] : nil
    }

    /// Plain text up to the next scalar that could start syntax, in one append.
    private mutating func appendPlainRun() {
        var end = position + 1
        while end < characters.count, !Self.special.contains(characters[end].value) { end += 1 }
        text += source[offsets[position]..<offsets[end]]
        position = end
    }

    /// The scalars `scan` looks at: `\\`, backtick, `!`, `[`, `<`, `*`, `_`, `~`, newline, `h`, `w`.
    private static let special: Set<UInt32> = Set("\\`![<*_~\nhw".unicodeScalars.map(\.value))

    private mutating func appendText(_ character: Unicode.Scalar) {
        text.unicodeScalars.append(character)
        position += 1
    }

    private mutating func flushText() {
        if !text.isEmpty {
            nodes.append(.inline(.text(text)))
            text = ""
        }
    }

    // MARK: Escapes and code

    private mutating func scanEscape() {
        guard let next = peek(1) else {
            appendText("\\")
            return
        }
        if next.isASCII, next.isPunctuationOrSymbol {
            text.unicodeScalars.append(next)
            position += 2
        } else {
            appendText("\\")
        }
    }

    private mutating func scanCodeSpan() {
        let run = runLength(of: "`", from: position)
        var search = position + run
        while search < characters.count {
            if characters[search] == "`" {
                let closing = runLength(of: "`", from: search)
                if closing == run {
                    var content = string((position + run)..<search).replacingAll("\n", with: " ")
                    if content.count >= 2, content.first == " ", content.last == " ", !content.allSatisfy({ $0 == " " }) {
                        content = String(content.dropFirst().dropLast())
                    }
                    flushText()
                    nodes.append(.inline(.code(content)))
                    position = search + run
                    return
                }
                search += closing
            } else {
                search += 1
            }
        }
        // No closing run of the same length: a code span the model never closed. The backticks
        // are dropped, or they would pair with a later one once rendered.
        position += run
    }

    private func runLength(of character: Unicode.Scalar, from start: Int) -> Int {
        var end = start
        while end < characters.count, characters[end] == character { end += 1 }
        return end - start
    }

    // MARK: Links and images

    /// `[text](url "title")` or `![alt](url)`; false (consuming nothing) when it is not one.
    private mutating func scanLink(image: Bool) -> Bool {
        let open = position + (image ? 1 : 0)
        guard let close = matchingBracket(from: open) else { return false }
        guard close + 1 < characters.count, characters[close + 1] == "(" else { return false }
        guard let (url, end) = linkDestination(from: close + 2) else { return false }
        let label = string((open + 1)..<close)
        flushText()
        if image {
            nodes.append(.inline(.image(alt: MarkdownInline.visibleText(InlineParser.parse(label)), url: url)))
        } else {
            nodes.append(.inline(.link(text: InlineParser.parse(label), url: url)))
        }
        position = end
        return true
    }

    private func matchingBracket(from open: Int) -> Int? {
        var depth = 0
        var index = open
        while index < characters.count {
            switch characters[index] {
            case "\\": index += 1
            case "[": depth += 1
            case "]":
                depth -= 1
                if depth == 0 { return index }
            case "\n" where index + 1 < characters.count && characters[index + 1] == "\n": return nil
            default: break
            }
            index += 1
        }
        return nil
    }

    /// The URL and the index after `)`.
    private func linkDestination(from start: Int) -> (String, Int)? {
        var index = start
        while index < characters.count, characters[index] == " " { index += 1 }
        var url = String.UnicodeScalarView()
        if index < characters.count, characters[index] == "<" {
            index += 1
            while index < characters.count, characters[index] != ">" {
                if characters[index] == "\n" { return nil }
                url.append(characters[index])
                index += 1
            }
            guard index < characters.count else { return nil }
            index += 1
        } else {
            var depth = 0
            while index < characters.count {
                let character = characters[index]
                if character == " " || character == "\n" { break }
                if character == "(" { depth += 1 }
                if character == ")" {
                    if depth == 0 { break }
                    depth -= 1
                }
                url.append(character)
                index += 1
            }
        }
        while index < characters.count, characters[index] == " " { index += 1 }
        if index < characters.count, characters[index] == "\"" || characters[index] == "'" {
            let quote = characters[index]
            index += 1
            while index < characters.count, characters[index] != quote { index += 1 }
            guard index < characters.count else { return nil }
            index += 1
            while index < characters.count, characters[index] == " " { index += 1 }
        }
        guard index < characters.count, characters[index] == ")" else { return nil }
        return (String(url), index + 1)
    }

    /// `<https://…>`, `<br>`, `<br/>`.
    private mutating func scanAngle() -> Bool {
        guard let close = characters[position...].firstIndex(of: ">"), close - position <= 2048 else { return false }
        let inner = string((position + 1)..<close)
        let lowered = inner.lowercased().replacingAll(" ", with: "")
        if lowered == "br" || lowered == "br/" {
            flushText()
            nodes.append(.inline(.lineBreak))
            position = close + 1
            return true
        }
        guard inner.hasPrefix("http://") || inner.hasPrefix("https://") || inner.hasPrefix("mailto:"),
            !inner.contains(" "), !inner.contains("\n")
        else { return false }
        flushText()
        nodes.append(.inline(.link(text: [.text(inner)], url: inner)))
        position = close + 1
        return true
    }

    /// `https://…`, `http://…` or `www.…` in running text, ending before whitespace, a non-ASCII
    /// character (Chinese text around a URL has no spaces) or trailing punctuation.
    private mutating func scanBareURL() -> Bool {
        if position > 0, characters[position - 1].isASCIILetterOrDigit { return false }
        let rest = characters[position...]
        let prefixes: [String] = ["https://", "http://", "www."]
        guard let prefix = prefixes.first(where: { rest.starts(with: $0.unicodeScalars) }) else { return false }
        var end = position + prefix.count
        while end < characters.count {
            let character = characters[end]
            guard character.isASCII, !character.isSpaceLike, character != "<", character != ">", character != "\"" else { break }
            end += 1
        }
        while end > position + prefix.count {
            let last = characters[end - 1]
            guard ".,;:!?'*_~".unicodeScalars.contains(last) || (last == ")" && unbalancedParen(position, end)) else { break }
            end -= 1
        }
        guard end > position + prefix.count else { return false }
        let url = string(position..<end)
        flushText()
        nodes.append(.inline(.link(text: [.text(url)], url: prefix == "www." ? "http://" + url : url)))
        position = end
        return true
    }

    private func unbalancedParen(_ start: Int, _ end: Int) -> Bool {
        let slice = characters[start..<end]
        return slice.filter { $0 == ")" }.count > slice.filter { $0 == "(" }.count
    }

    // MARK: Emphasis

    private mutating func scanDelimiterRun(_ character: Character) {
        let count = runLength(of: character.unicodeScalars.first!, from: position)
        let before = position > 0 ? characters[position - 1] : nil
        let after = position + count < characters.count ? characters[position + count] : nil
        let beforeSpace = before.map(\.isSpaceLike) ?? true
        let afterSpace = after.map(\.isSpaceLike) ?? true
        var canOpen = !afterSpace
        var canClose = !beforeSpace
        if character == "_" {
            // snake_case is not emphasis: `_` must sit at a word boundary.
            let beforeBoundary = before.map { $0.isSpaceLike || $0.isPunctuationOrSymbol } ?? true
            let afterBoundary = after.map { $0.isSpaceLike || $0.isPunctuationOrSymbol } ?? true
            canOpen = canOpen && beforeBoundary
            canClose = canClose && afterBoundary
        }
        if character == "~", count != 2 {
            text += String(repeating: "~", count: count)
            position += count
            return
        }
        flushText()
        nodes.append(.delimiter(.init(character: character, count: count, canOpen: canOpen, canClose: canClose)))
        position += count
    }
}
