/// Breaks a block that is too large for one message into blocks that each fit, keeping every
/// character of visible content (a picture keeps its description): paragraphs at lines, then sentences, then characters; code at lines
/// (each piece a closed fence of its own); tables at rows (the header repeated); lists at items;
/// quotes at their inner blocks.
struct BlockFitter {
    /// The rendered size of blocks as the target counts it.
    let size: ([MarkdownBlock]) -> Int
    let limit: Int

    func fits(_ blocks: [MarkdownBlock]) -> Bool {
        size(blocks) <= limit
    }

    func fit(_ block: MarkdownBlock) -> [MarkdownBlock] {
        if fits([block]) { return [block] }
        switch block {
        case .paragraph(let inlines):
            return fitInlines(inlines) { .paragraph($0) }
        case .heading(let level, let inlines):
            return fitInlines(inlines) { .heading(level: level, $0) }
        case .code(let language, let lines):
            return fitCode(language: language, lines: lines)
        case .table(let table):
            return fitTable(table)
        case .list(let list):
            return fitList(list)
        case .quote(let blocks):
            return fitQuote(blocks)
        case .thinking(let blocks):
            return fitQuote(blocks)
        case .image(let alt, _):
            // A picture too large for one message (its URL runs to kilobytes): the URL cut across
            // messages would open nothing and show as text, so only its description stays.
            return alt.isEmpty ? [] : fitInlines([.text(alt)]) { .paragraph($0) }
        case .thematicBreak:
            return []
        }
    }

    // MARK: Paragraphs

    private func fitInlines(_ inlines: [MarkdownInline], make: ([MarkdownInline]) -> MarkdownBlock) -> [MarkdownBlock] {
        func fitsAtoms(_ atoms: [InlineAtom]) -> Bool { fits([make(InlineAtoms.rebuild(atoms))]) }
        let lines = InlineAtoms.lines(InlineAtoms.flatten(inlines))
        return pack(lines, joiner: [InlineAtom(content: .lineBreak, wrappers: [])], fits: fitsAtoms) { line in
            pack(InlineAtoms.sentences(line), joiner: [], fits: fitsAtoms) { sentence in
                cutByCharacters(sentence, fits: fitsAtoms)
            }
        }.map { make(InlineAtoms.rebuild($0)) }
    }

    /// Greedily joins pieces while they fit; a piece that does not fit alone is broken by `finer`.
    private func pack(
        _ pieces: [[InlineAtom]], joiner: [InlineAtom], fits: ([InlineAtom]) -> Bool, finer: ([InlineAtom]) -> [[InlineAtom]]
    ) -> [[InlineAtom]] {
        var result: [[InlineAtom]] = []
        var current: [InlineAtom]?
        for piece in pieces {
            if let existing = current {
                let joined = existing + joiner + piece
                if fits(joined) {
                    current = joined
                    continue
                }
                result.append(existing)
                current = nil
            }
            if fits(piece) {
                current = piece
            } else {
                result += finer(piece)
            }
        }
        if let current { result.append(current) }
        return result
    }

    /// The longest prefixes that fit, found by bisection on characters.
    private func cutByCharacters(_ atoms: [InlineAtom], fits: ([InlineAtom]) -> Bool) -> [[InlineAtom]] {
        var pieces: [[InlineAtom]] = []
        var rest = atoms
        while InlineAtoms.length(rest) > 0 {
            if fits(rest) {
                pieces.append(rest)
                break
            }
            var low = 0, high = InlineAtoms.length(rest)
            while low < high {
                let middle = (low + high + 1) / 2
                if fits(InlineAtoms.cut(rest, at: middle).0) { low = middle } else { high = middle - 1 }
            }
            if low == 0 {
                // Not even one character fits. A link or image whose URL alone is larger than a
                // message loses its URL (its text stays, and is cut like any text); else cut
                // inside the character (its Unicode scalars), or give up on it.
                if let plainer = InlineAtoms.droppingURLOfFirst(rest) {
                    rest = plainer
                    continue
                }
                guard let (head, tail) = InlineAtoms.cutInsideFirstCharacter(rest), fits(head) else {
                    let (head, tail) = InlineAtoms.cut(rest, at: 1)
                    pieces.append(head)
                    rest = tail
                    continue
                }
                pieces.append(head)
                rest = tail
                continue
            }
            let (head, tail) = InlineAtoms.cut(rest, at: low)
            pieces.append(head)
            rest = tail
        }
        return pieces
    }

    // MARK: Code

    private func fitCode(language: String?, lines: [String]) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        var current: [String] = []
        for line in lines.flatMap({ fitCodeLine($0, language: language) }) {
            if !current.isEmpty, !fits([.code(language: language, lines: current + [line])]) {
                blocks.append(.code(language: language, lines: current))
                current = []
            }
            current.append(line)
        }
        if !current.isEmpty { blocks.append(.code(language: language, lines: current)) }
        return blocks
    }

    /// A line longer than a whole message becomes several lines.
    private func fitCodeLine(_ line: String, language: String?) -> [String] {
        let atom = [InlineAtom(content: .text(line), wrappers: [])]
        return cutByCharacters(atom) { self.fits([.code(language: language, lines: [MarkdownInline.visibleText(InlineAtoms.rebuild($0))])]) }
            .map { MarkdownInline.visibleText(InlineAtoms.rebuild($0)) }
    }

    // MARK: Tables

    private func fitTable(_ table: MarkdownTable) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        var current: [[[MarkdownInline]]] = []
        var continues = table.continuesEarlierTable
        func piece(_ rows: [[[MarkdownInline]]]) -> MarkdownBlock {
            .table(MarkdownTable(header: table.header, alignments: table.alignments, rows: rows, continuesEarlierTable: continues))
        }
        for row in table.rows {
            if fits([piece(current + [row])]) {
                current.append(row)
                continue
            }
            if !current.isEmpty {
                blocks.append(piece(current))
                continues = true
                current = []
            }
            if fits([piece([row])]) {
                current = [row]
            } else {
                // A row larger than a message: its cells, as paragraphs — after the header, if no
                // piece has shown it yet.
                if !continues { blocks += table.header.filter { !$0.isEmpty }.flatMap { fit(.paragraph($0)) } }
                continues = true
                blocks += row.filter { !$0.isEmpty }.flatMap { fit(.paragraph($0)) }
            }
        }
        if !current.isEmpty { blocks.append(piece(current)) }
        if table.rows.isEmpty { blocks += table.header.filter { !$0.isEmpty }.flatMap { fit(.paragraph($0)) } }
        return blocks
    }

    // MARK: Lists

    private func fitList(_ list: MarkdownList) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        for (index, item) in list.items.enumerated() {
            let start = list.start + index
            let single = MarkdownBlock.list(MarkdownList(ordered: list.ordered, start: start, items: [item]))
            if fits([single]) {
                blocks.append(single)
                continue
            }
            // The item's own blocks, broken up; the first piece stays a list item when it fits.
            let pieces = item.flatMap(fit)
            guard let first = pieces.first else { continue }
            let firstItem = MarkdownBlock.list(MarkdownList(ordered: list.ordered, start: start, items: [[first]]))
            blocks.append(fits([firstItem]) ? firstItem : first)
            blocks += pieces.dropFirst()
        }
        return blocks
    }

    // MARK: Quotes

    private func fitQuote(_ blocks: [MarkdownBlock]) -> [MarkdownBlock] {
        // The quote marker costs a little on every line; shrink the inner limit until all fit.
        var innerLimit = limit
        while innerLimit > RenderTarget.minimumBytes / 2 {
            let inner = BlockFitter(size: size, limit: innerLimit)
            let pieces = blocks.flatMap(inner.fit).map { MarkdownBlock.quote([$0]) }
            if pieces.allSatisfy({ fits([$0]) }) { return pieces }
            innerLimit = innerLimit * 9 / 10
        }
        return blocks.flatMap(fit)
    }
}
