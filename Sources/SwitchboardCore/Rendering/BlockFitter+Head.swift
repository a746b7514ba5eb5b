extension BlockFitter {
    /// The largest first piece of `block` that fits, and the rest — for a block too large for any
    /// message, which then starts in the room left in the current one. Nil when the block cannot
    /// be cut this way (or not even a first piece fits).
    func head(of block: MarkdownBlock) -> (head: MarkdownBlock, rest: MarkdownBlock?)? {
        switch block {
        case .paragraph(let inlines):
            return headOfInlines(inlines) { .paragraph($0) }
        case .heading(let level, let inlines):
            return headOfInlines(inlines) { .heading(level: level, $0) }
        case .code(let language, let lines):
            return headOfCode(language: language, lines: lines)
        case .table(let table):
            return headOfTable(table)
        case .list(let list):
            return headOfList(list)
        default:
            return nil
        }
    }

    private func headOfInlines(
        _ inlines: [MarkdownInline], make: ([MarkdownInline]) -> MarkdownBlock
    ) -> (head: MarkdownBlock, rest: MarkdownBlock?)? {
        let atoms = InlineAtoms.flatten(inlines)
        func fitsAtoms(_ atoms: [InlineAtom]) -> Bool { fits([make(InlineAtoms.rebuild(atoms))]) }
        // Whole lines first, then whole sentences, then characters.
        var count = 0
        for (index, line) in InlineAtoms.lines(atoms).enumerated() {
            let next = count + (index > 0 ? 1 : 0) + InlineAtoms.length(line)
            guard fitsAtoms(InlineAtoms.cut(atoms, at: next).0) else { break }
            count = next
        }
        if count == 0 {
            for sentence in InlineAtoms.sentences(InlineAtoms.lines(atoms)[0]) {
                let next = count + InlineAtoms.length(sentence)
                guard fitsAtoms(InlineAtoms.cut(atoms, at: next).0) else { break }
                count = next
            }
        }
        if count == 0 {
            var low = 0, high = InlineAtoms.length(atoms)
            while low < high {
                let middle = (low + high + 1) / 2
                if fitsAtoms(InlineAtoms.cut(atoms, at: middle).0) { low = middle } else { high = middle - 1 }
            }
            count = low
        }
        guard count > 0 else { return nil }
        var (head, rest) = InlineAtoms.cut(atoms, at: count)
        if rest.first?.content == .lineBreak { rest.removeFirst() }
        return (make(InlineAtoms.rebuild(head)), rest.isEmpty ? nil : make(InlineAtoms.rebuild(rest)))
    }

    private func headOfCode(language: String?, lines: [String]) -> (head: MarkdownBlock, rest: MarkdownBlock?)? {
        var count = 0
        while count < lines.count, fits([.code(language: language, lines: Array(lines[...count]))]) { count += 1 }
        guard count > 0 else { return nil }
        return (.code(language: language, lines: Array(lines[..<count])), count < lines.count ? .code(language: language, lines: Array(lines[count...])) : nil)
    }

    private func headOfTable(_ table: MarkdownTable) -> (head: MarkdownBlock, rest: MarkdownBlock?)? {
        func piece(_ rows: ArraySlice<[[MarkdownInline]]>, continues: Bool) -> MarkdownBlock {
            .table(MarkdownTable(header: table.header, alignments: table.alignments, rows: Array(rows), continuesEarlierTable: continues))
        }
        var count = 0
        while count < table.rows.count, fits([piece(table.rows[...count], continues: table.continuesEarlierTable)]) { count += 1 }
        guard count > 0 else { return nil }
        return (piece(table.rows[..<count], continues: table.continuesEarlierTable), count < table.rows.count ? piece(table.rows[count...], continues: true) : nil)
    }

    private func headOfList(_ list: MarkdownList) -> (head: MarkdownBlock, rest: MarkdownBlock?)? {
        func piece(_ items: ArraySlice<[MarkdownBlock]>, start: Int) -> MarkdownBlock {
            .list(MarkdownList(ordered: list.ordered, start: start, items: Array(items)))
        }
        var count = 0
        while count < list.items.count, fits([piece(list.items[...count], start: list.start)]) { count += 1 }
        guard count > 0 else { return nil }
        return (piece(list.items[..<count], start: list.start), count < list.items.count ? piece(list.items[count...], start: list.start + count) : nil)
    }
}
