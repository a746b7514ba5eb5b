/// Renders the first part of an answer that keeps growing, update after update, without doing
/// again what no later text can change — so the work for a whole answer grows with its length,
/// not with its length times the number of updates.
///
/// The answer so far is `settled ‖ tail`. The settled part ends where a new top-level block starts
/// after a blank line, outside code fences and `<think>` sections, at a line that cannot continue
/// what came before (not indented, not a list item, quote or table row): there the parse of the
/// whole equals the parse of the two halves, and, since text dialects join blocks with a
/// separator, so does the rendered text. Settled text is parsed and written once; each update
/// parses, makes displayable (``StreamingMarkdown``) and writes only the tail. Once the settled
/// part alone fills a message, the first part cannot change any more and is kept.
///
/// The result equals ``ReplyRenderer/renderPartial(_:for:options:)``'s first part while the answer
/// fits one message (a test compares them at every step of every render fixture); past that it is
/// the first part as it was when the message filled. Feishu `post` (JSON, not joined text) is
/// rendered whole each time.
struct PartialRenderer {
    let target: RenderTarget
    let options: RenderOptions
    private let writer: any DialectWriter
    private let separatorSize: Int

    /// UTF-8 length of the settled source.
    private var settledLength = 0
    private var settledBlocks: [MarkdownBlock] = []
    private var settledText = ""
    private var settledSize = 0
    /// The first part, once the settled text alone overflows a message.
    private var frozen: String?
    private var scanner = SettledScanner()
    /// How often ``render(_:)`` was called.
    private(set) var renders = 0

    init(target: RenderTarget, options: RenderOptions = RenderOptions()) {
        self.target = target
        self.options = options
        writer = target.dialect.writer
        separatorSize = target.size(of: target.dialect.style.blockSeparator)
    }

    /// The answer was replaced (`.replace`): start again.
    mutating func reset() {
        let renders = renders
        self = PartialRenderer(target: target, options: options)
        self.renders = renders
    }

    /// The first part of `markdown` as it stands now. `markdown` must extend what was rendered
    /// before (call ``reset()`` otherwise).
    mutating func render(_ markdown: String) -> String {
        renders += 1
        guard target.dialect.style.output == .text else {
            return ReplyRenderer.renderPartial(markdown, for: target, options: options).first?.text ?? ""
        }
        if let frozen { return frozen }
        settle(markdown)
        let tail = String(decoding: markdown.utf8.dropFirst(settledLength), as: UTF8.self)
        let tailBlocks = ReplyRenderer.prepare(MarkdownParser.parse(StreamingMarkdown.displayable(tail)).blocks, options: options)
        let tailText = writer.render(tailBlocks)
        let size = settledSize + (settledText.isEmpty || tailText.isEmpty ? 0 : separatorSize) + target.size(of: tailText)
        if size <= target.maxBytes {
            if settledText.isEmpty { return tailText }
            if tailText.isEmpty { return settledText }
            return settledText + target.dialect.style.blockSeparator + tailText
        }
        let first = ReplyRenderer.render(blocks: settledBlocks + tailBlocks, footer: [], target: target).first?.text ?? ""
        if settledSize > target.maxBytes { frozen = first }
        return first
    }

    /// Moves the settled end to the last safe cut in `markdown`, parsing and writing what it passes.
    private mutating func settle(_ markdown: String) {
        guard let cut = scanner.lastCut(in: markdown), cut > settledLength else { return }
        let chunk = String(decoding: markdown.utf8.dropFirst(settledLength).prefix(cut - settledLength), as: UTF8.self)
        let blocks = ReplyRenderer.prepare(MarkdownParser.parse(chunk).blocks, options: options)
        settledLength = cut
        let text = writer.render(blocks)
        guard !text.isEmpty else {
            settledBlocks += blocks
            return
        }
        settledSize += (settledText.isEmpty ? 0 : separatorSize) + target.size(of: text)
        settledText = settledText.isEmpty ? text : settledText + target.dialect.style.blockSeparator + text
        settledBlocks += blocks
    }
}

/// Finds safe cuts (see ``PartialRenderer``) in a growing text, reading each complete line once.
struct SettledScanner {
    /// UTF-8 offset of the first line not read yet.
    private var offset = 0
    private var fence: Line.Fence?
    /// The fence as ``StreamingMarkdown/displayable(_:)`` follows it: over every line, `<think>`
    /// sections included. A cut needs both closed, so the tail is made displayable alike.
    private var displayFence: Line.Fence?
    private var thinking = false
    private var previousBlank = false
    private var lastCut: Int?

    /// The last safe cut at or before the end of the last complete line, as a UTF-8 offset.
    mutating func lastCut(in text: String) -> Int? {
        let bytes = text.utf8
        var start = bytes.index(bytes.startIndex, offsetBy: offset)
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            let line = String(decoding: bytes[start..<newline], as: UTF8.self)
            read(line, at: offset)
            let next = bytes.index(after: newline)
            offset += bytes.distance(from: start, to: next)
            start = next
        }
        return lastCut
    }

    private mutating func read(_ line: String, at lineStart: Int) {
        let displayFenceBefore = displayFence
        if let open = displayFence {
            if Line.closesFence(line, open) { displayFence = nil }
        } else {
            displayFence = Line.openingFence(line)
        }
        // `<think>` sections are split off before blocks are parsed (ThinkSections), so they are
        // followed first: `<think>` at a line start opens one (even inside a code fence), the
        // first `</think>` after it closes it, and what follows on that line starts afresh.
        if thinking || line.rangeIgnoringASCIICase(of: "<think>")?.lowerBound == line.startIndex {
            var rest = Substring(line)
            if !thinking {
                thinking = true
                fence = nil
                rest = rest.dropFirst("<think>".utf8.count)
            }
            guard let close = rest.rangeIgnoringASCIICase(of: "</think>") else { return }
            thinking = false
            previousBlank = false
            fence = Line.openingFence(String(rest[close.upperBound...]))
            return
        }
        if let open = fence {
            if Line.closesFence(line, open) { fence = nil }
            previousBlank = false
            return
        }
        if Line.isBlank(line) {
            previousBlank = true
            return
        }
        if previousBlank, Line.indent(line) == 0, Line.listMarker(line) == nil, !Line.isQuote(line), !line.hasPrefix("|"),
            displayFenceBefore == nil
        {
            lastCut = lineStart
        }
        previousBlank = false
        fence = Line.openingFence(line)
    }
}
