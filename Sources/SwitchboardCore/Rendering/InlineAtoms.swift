/// A paragraph flattened into atoms that each carry their wrappers (bold, italic, strikethrough,
/// link), so that it can be cut anywhere — at a line, a sentence, a character — and each piece
/// rebuilt with its own, balanced markup.
struct InlineAtom: Equatable {
    enum Wrapper: Equatable {
        case bold, italic, strike
        case link(String)
    }

    enum Content: Equatable {
        case text(String)
        case code(String)
        case image(alt: String, url: String)
        case mention(id: String, name: String?)
        case lineBreak
    }

    var content: Content
    var wrappers: [Wrapper]
}

enum InlineAtoms {
    static func flatten(_ inlines: [MarkdownInline], wrappers: [InlineAtom.Wrapper] = []) -> [InlineAtom] {
        inlines.flatMap { inline -> [InlineAtom] in
            switch inline {
            case .text(let text): [InlineAtom(content: .text(text), wrappers: wrappers)]
            case .code(let code): [InlineAtom(content: .code(code), wrappers: wrappers)]
            case .bold(let inner): flatten(inner, wrappers: wrappers + [.bold])
            case .italic(let inner): flatten(inner, wrappers: wrappers + [.italic])
            case .strike(let inner): flatten(inner, wrappers: wrappers + [.strike])
            case .link(let text, let url): flatten(text, wrappers: wrappers + [.link(url)])
            case .image(let alt, let url): [InlineAtom(content: .image(alt: alt, url: url), wrappers: wrappers)]
            case .mention(let id, let name): [InlineAtom(content: .mention(id: id, name: name), wrappers: wrappers)]
            case .lineBreak: [InlineAtom(content: .lineBreak, wrappers: wrappers)]
            }
        }
    }

    static func rebuild(_ atoms: [InlineAtom]) -> [MarkdownInline] {
        rebuild(atoms[...], depth: 0)
    }

    private static func rebuild(_ atoms: ArraySlice<InlineAtom>, depth: Int) -> [MarkdownInline] {
        var result: [MarkdownInline] = []
        var index = atoms.startIndex
        while index < atoms.endIndex {
            let atom = atoms[index]
            guard atom.wrappers.count > depth else {
                let inline: MarkdownInline = switch atom.content {
                case .text(let text): .text(text)
                case .code(let code): .code(code)
                case .image(let alt, let url): .image(alt: alt, url: url)
                case .mention(let id, let name): .mention(id: id, name: name)
                case .lineBreak: .lineBreak
                }
                if case .text(let text) = inline, case .text(let previous) = result.last {
                    result[result.count - 1] = .text(previous + text)
                } else {
                    result.append(inline)
                }
                index += 1
                continue
            }
            let wrapper = atom.wrappers[depth]
            var end = index
            while end < atoms.endIndex, atoms[end].wrappers.count > depth, atoms[end].wrappers[depth] == wrapper { end += 1 }
            let inner = rebuild(atoms[index..<end], depth: depth + 1)
            switch wrapper {
            case .bold: result.append(.bold(inner))
            case .italic: result.append(.italic(inner))
            case .strike: result.append(.strike(inner))
            case .link(let url): result.append(.link(text: inner, url: url))
            }
            index = end
        }
        return result
    }

    /// The lines, without the breaks between them.
    static func lines(_ atoms: [InlineAtom]) -> [[InlineAtom]] {
        atoms.split(omittingEmptySubsequences: false) { $0.content == .lineBreak }.map(Array.init)
    }

    /// Sentences: each ends after 。！？ (with closing quotes and brackets), or after `.`, `!`, `?`
    /// followed by a space — so `3.14` and `e.g.x` are not cut.
    static func sentences(_ atoms: [InlineAtom]) -> [[InlineAtom]] {
        var pieces: [[InlineAtom]] = []
        var current: [InlineAtom] = []
        for atom in atoms {
            guard case .text(let text) = atom.content else {
                current.append(atom)
                continue
            }
            let characters = Array(text)
            var start = 0
            var index = 0
            while index < characters.count {
                if let end = sentenceEnd(characters, at: index) {
                    current.append(InlineAtom(content: .text(String(characters[start..<end])), wrappers: atom.wrappers))
                    pieces.append(current)
                    current = []
                    start = end
                    index = end
                } else {
                    index += 1
                }
            }
            if start < characters.count {
                current.append(InlineAtom(content: .text(String(characters[start...])), wrappers: atom.wrappers))
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    private static let closers: Set<Character> = ["”", "’", "」", "』", "）", ")", "\"", "'", "】", "》"]

    /// When a sentence ends at `index`, the index just after it (closers and following spaces
    /// included).
    private static func sentenceEnd(_ characters: [Character], at index: Int) -> Int? {
        let character = characters[index]
        var end = index + 1
        switch character {
        case "。", "！", "？", "!", "?", ".":
            while end < characters.count, closers.contains(characters[end]) { end += 1 }
            if character == "." || character == "!" || character == "?" {
                guard end == characters.count || characters[end].isWhitespace else { return nil }
            }
            while end < characters.count, characters[end] == " " { end += 1 }
            return end
        default:
            return nil
        }
    }

    /// How many cut positions `atoms` has: one per character of text and code, one per other atom.
    static func length(_ atoms: [InlineAtom]) -> Int {
        atoms.reduce(0) { total, atom in
            switch atom.content {
            case .text(let text), .code(let text): total + text.count
            default: total + 1
            }
        }
    }

    /// The atoms before cut position `count` and the atoms from it on.
    static func cut(_ atoms: [InlineAtom], at count: Int) -> ([InlineAtom], [InlineAtom]) {
        var head: [InlineAtom] = []
        var remaining = count
        for (index, atom) in atoms.enumerated() {
            guard remaining > 0 else { return (head, Array(atoms[index...])) }
            switch atom.content {
            case .text(let text), .code(let text):
                if text.count <= remaining {
                    head.append(atom)
                    remaining -= text.count
                } else {
                    let split = text.index(text.startIndex, offsetBy: remaining)
                    head.append(atom.with(String(text[..<split])))
                    return (head, [atom.with(String(text[split...]))] + atoms[(index + 1)...])
                }
            default:
                head.append(atom)
                remaining -= 1
            }
        }
        return (head, [])
    }

    /// The first atom with its first character cut into two by Unicode scalars: the last resort
    /// for a single character (a long combining sequence) larger than a whole message.
    /// The atoms with the first one's URL gone: the link around it unwrapped (for every atom of
    /// that link), or an image turned into its alt text. Nil when the first atom has no URL.
    static func droppingURLOfFirst(_ atoms: [InlineAtom]) -> [InlineAtom]? {
        guard let first = atoms.first else { return nil }
        if case .image(let alt, _) = first.content {
            return [InlineAtom(content: .text(alt), wrappers: first.wrappers)] + atoms.dropFirst()
        }
        guard let link = first.wrappers.first(where: { if case .link = $0 { true } else { false } }) else { return nil }
        var atoms = atoms
        var index = 0
        while index < atoms.count, atoms[index].wrappers.contains(link) {
            atoms[index].wrappers.removeAll { $0 == link }
            index += 1
        }
        return atoms
    }

    static func cutInsideFirstCharacter(_ atoms: [InlineAtom]) -> ([InlineAtom], [InlineAtom])? {
        guard let first = atoms.first, case .text(let text) = first.content, let character = text.first else { return nil }
        let scalars = Array(character.unicodeScalars)
        guard scalars.count > 1 else { return nil }
        let half = scalars.count / 2
        var head = String.UnicodeScalarView()
        head.append(contentsOf: scalars[..<half])
        var tail = String.UnicodeScalarView()
        tail.append(contentsOf: scalars[half...])
        return ([first.with(String(head))], [first.with(String(tail) + text.dropFirst())] + atoms.dropFirst())
    }
}

extension InlineAtom {
    /// The same atom with other text or code.
    func with(_ text: String) -> InlineAtom {
        switch content {
        case .code: InlineAtom(content: .code(text), wrappers: wrappers)
        default: InlineAtom(content: .text(text), wrappers: wrappers)
        }
    }
}
