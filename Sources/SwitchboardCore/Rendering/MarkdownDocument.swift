/// A Markdown answer as a tree: what the parser makes of an LLM's text, and what the dialect
/// renderers and the splitter work on. Small on purpose — it holds what chat platforms can show.
public struct MarkdownDocument: Sendable, Equatable {
    public var blocks: [MarkdownBlock]

    public init(_ blocks: [MarkdownBlock]) {
        self.blocks = blocks
    }

    /// The text a reader sees, without markup: what splitting must neither lose nor repeat.
    public var visibleText: String {
        blocks.map(\.visibleText).joined(separator: "\n")
    }
}

public indirect enum MarkdownBlock: Sendable, Equatable {
    case heading(level: Int, [MarkdownInline])
    /// Line breaks inside a paragraph are `.lineBreak` inlines.
    case paragraph([MarkdownInline])
    case list(MarkdownList)
    case code(language: String?, lines: [String])
    case table(MarkdownTable)
    case quote([MarkdownBlock])
    case thematicBreak
    case image(alt: String, url: String)
    /// A model's `<think>…</think>` reasoning; dropped unless the options ask to show it.
    case thinking([MarkdownBlock])

    public var visibleText: String {
        switch self {
        case .heading(_, let inlines), .paragraph(let inlines): MarkdownInline.visibleText(inlines)
        case .list(let list): list.items.map { $0.map(\.visibleText).joined(separator: "\n") }.joined(separator: "\n")
        case .code(_, let lines): lines.joined(separator: "\n")
        case .table(let table): table.visibleText
        case .quote(let blocks), .thinking(let blocks): blocks.map(\.visibleText).joined(separator: "\n")
        case .thematicBreak: ""
        case .image(let alt, _): alt
        }
    }
}

public struct MarkdownList: Sendable, Equatable {
    public var ordered: Bool
    /// The number of the first item of an ordered list.
    public var start: Int
    /// Each item is a list of blocks (a paragraph, then perhaps a nested list).
    public var items: [[MarkdownBlock]]

    public init(ordered: Bool, start: Int = 1, items: [[MarkdownBlock]]) {
        self.ordered = ordered
        self.start = start
        self.items = items
    }
}

public struct MarkdownTable: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable {
        case none, left, center, right
    }

    public var header: [[MarkdownInline]]
    public var alignments: [Alignment]
    /// Every row has as many cells as the header.
    public var rows: [[[MarkdownInline]]]
    /// Set on the later pieces of a table split across messages: the header is shown again, but
    /// it is not new content.
    public var continuesEarlierTable: Bool

    public init(header: [[MarkdownInline]], alignments: [Alignment], rows: [[[MarkdownInline]]], continuesEarlierTable: Bool = false) {
        self.header = header
        self.alignments = alignments
        self.rows = rows
        self.continuesEarlierTable = continuesEarlierTable
    }

    var visibleText: String {
        let header = continuesEarlierTable ? [] : [self.header]
        return (header + rows).map { $0.map(MarkdownInline.visibleText).joined(separator: " ") }.joined(separator: "\n")
    }
}

public indirect enum MarkdownInline: Sendable, Equatable {
    case text(String)
    case bold([MarkdownInline])
    case italic([MarkdownInline])
    case strike([MarkdownInline])
    case code(String)
    case link(text: [MarkdownInline], url: String)
    case image(alt: String, url: String)
    case mention(id: String, name: String?)
    case lineBreak

    static func visibleText(_ inlines: [MarkdownInline]) -> String {
        inlines.map(\.visibleText).joined()
    }

    var visibleText: String {
        switch self {
        case .text(let text), .code(let text): text
        case .bold(let inner), .italic(let inner), .strike(let inner): Self.visibleText(inner)
        case .link(let text, _): Self.visibleText(text)
        case .image(let alt, _): alt
        case .mention(let id, let name): "@" + (name ?? id)
        case .lineBreak: "\n"
        }
    }
}
