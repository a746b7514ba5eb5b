/// Splits an answer into messages that each fit the target's budget and render valid on their
/// own: blocks are kept whole where they fit, broken by ``BlockFitter`` where they do not, packed
/// greedily, the footer placed after the answer, and the parts numbered `(1/3)`.
struct ReplySplitter {
    let target: RenderTarget
    let writer: any DialectWriter

    init(target: RenderTarget) {
        self.target = target
        self.writer = target.dialect.writer
    }

    func size(_ blocks: [MarkdownBlock]) -> Int {
        target.size(of: writer.render(blocks))
    }

    static func label(_ number: Int, of count: Int) -> MarkdownBlock {
        .paragraph([.text("(\(number)/\(count))")])
    }

    /// The parts with their rendered text.
    func split(_ blocks: [MarkdownBlock], footer: [MarkdownBlock]) -> [(blocks: [MarkdownBlock], text: String)] {
        let whole = blocks + footer
        let wholeText = writer.render(whole)
        if target.size(of: wholeText) <= target.maxBytes { return wholeText.isEmpty ? [] : [(whole, wholeText)] }
        return splitIntoParts(blocks, footer: footer).map { ($0, writer.render($0)) }
    }

    private func splitIntoParts(_ blocks: [MarkdownBlock], footer: [MarkdownBlock]) -> [[MarkdownBlock]] {

        // Every part keeps room for its label.
        let probe = MarkdownBlock.paragraph([.text("x")])
        let labelRoom = size([probe, Self.label(999, of: 999)]) - size([probe])
        let fitter = BlockFitter(size: size, limit: target.maxBytes - labelRoom)
        var parts = pack(fill(blocks, fitter: fitter), limit: fitter.limit)

        if !footer.isEmpty {
            if let last = parts.last, size(last + footer) <= fitter.limit {
                parts[parts.count - 1] = last + footer
            } else {
                parts += pack(footer.flatMap(fitter.fit), limit: fitter.limit)
            }
        }
        guard parts.count > 1 else { return parts }
        return parts.enumerated().map { index, part in part + [Self.label(index + 1, of: parts.count)] }
    }

    /// Blocks ready for packing. A block that fits a message stays whole (it may move to the next
    /// message); a block too large for any message is cut so that its first piece fills the room
    /// left after what comes before it — the line introducing a long code block does not get a
    /// message of its own.
    private func fill(_ blocks: [MarkdownBlock], fitter: BlockFitter) -> [MarkdownBlock] {
        let probe = MarkdownBlock.paragraph([.text("x")])
        let separator = size([probe, probe]) - 2 * size([probe])
        var units: [MarkdownBlock] = []
        var used = 0
        var queue = blocks[...]
        while let block = queue.popFirst() {
            let blockSize = size([block])
            guard blockSize > 0 else { continue }
            let room = used == 0 ? fitter.limit : fitter.limit - used - separator
            if blockSize <= room {
                units.append(block)
                used += (used == 0 ? 0 : separator) + blockSize
            } else if blockSize <= fitter.limit {
                units.append(block)
                used = blockSize
            } else if room >= fitter.limit / 8, let (head, rest) = BlockFitter(size: size, limit: room).head(of: block) {
                units.append(head)
                used = 0
                if let rest { queue.insert(rest, at: queue.startIndex) }
            } else if let (head, rest) = fitter.head(of: block) {
                units.append(head)
                used = size([head])
                if let rest { queue.insert(rest, at: queue.startIndex) }
            } else {
                let pieces = fitter.fit(block)
                units += pieces
                used = pieces.last.map { size([$0]) } ?? 0
            }
        }
        return units
    }

    /// Greedy packing. Sizes are added (a part is its blocks and the separators between them),
    /// which holds for every writer; each part is then measured for real, and a part that came out
    /// too large is packed again block by block.
    private func pack(_ units: [MarkdownBlock], limit: Int) -> [[MarkdownBlock]] {
        let rendered = units.map { writer.render([$0]) }
        let probe = MarkdownBlock.paragraph([.text("x")])
        let separator = size([probe, probe]) - 2 * size([probe])
        var parts: [[MarkdownBlock]] = []
        var current: [MarkdownBlock] = []
        var currentSize = 0
        for (unit, text) in zip(units, rendered) {
            guard !text.isEmpty else { continue }
            let unitSize = target.size(of: text)
            let combined = current.isEmpty ? unitSize : currentSize + separator + unitSize
            if combined <= limit || current.isEmpty {
                current.append(unit)
                currentSize = combined
            } else if current.count > 1, case .heading = current.last, size([current.last!, unit]) <= limit {
                // A heading goes with what it heads.
                let heading = current.removeLast()
                parts.append(current)
                current = [heading, unit]
                currentSize = size(current)
            } else {
                parts.append(current)
                current = [unit]
                currentSize = unitSize
            }
        }
        if !current.isEmpty { parts.append(current) }
        return parts.flatMap { size($0) <= limit ? [$0] : packExactly($0, limit: limit) }
    }

    private func packExactly(_ units: [MarkdownBlock], limit: Int) -> [[MarkdownBlock]] {
        var parts: [[MarkdownBlock]] = []
        var current: [MarkdownBlock] = []
        for unit in units {
            if !current.isEmpty, size(current + [unit]) > limit {
                parts.append(current)
                current = []
            }
            current.append(unit)
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}
