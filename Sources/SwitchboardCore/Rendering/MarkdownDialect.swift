/// A Markdown subset a platform renders, and how everything outside it is lowered to something
/// the platform can show. The built-in dialects and the platform rules they come from are in
/// `Dialects.swift`; a plugin defines its own with a ``DialectStyle``.
public struct MarkdownDialect: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let style: DialectStyle

    public init(name: String, style: DialectStyle) {
        self.name = name
        self.style = style
    }

    public var description: String { name }

    public static func == (lhs: MarkdownDialect, rhs: MarkdownDialect) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// What a dialect shows natively; anything it cannot show is lowered by the writer.
public struct DialectStyle: Sendable {
    public enum Output: Sendable {
        /// Markdown (or plain) text.
        case text
        /// Feishu `post` rich-text JSON.
        case feishuPost
    }

    public enum HeadingStyle: Sendable {
        /// `## Title`.
        case markdown
        /// A bold line (or a plain line when bold is not shown either).
        case boldLine
    }

    public enum LinkStyle: Sendable {
        /// `[text](url)`.
        case markdown
        /// `text (url)`, or the URL alone when the text is the URL.
        case textThenURL
    }

    public enum ImageStyle: Sendable {
        /// `![alt](url)`.
        case markdown
        /// Shown as a link to the image.
        case link
        /// `![alt](key)` when the destination is a key the platform issued for an uploaded image
        /// (it starts with `prefix`, as Feishu's `img_…` do); any other image becomes a link.
        case markdownForKeys(prefix: String)
    }

    public enum CodeBlockStyle: Sendable {
        /// A fenced block.
        case fenced
        /// A fenced block whose lines end with two spaces, so the lines survive even where
        /// fences are not rendered.
        case fencedWithHardBreaks
        /// Each line as inline code.
        case inlineCodePerLine
        /// The lines as they are.
        case plainLines
    }

    /// The markers wrapped around emphasised text.
    public struct Markers: Sendable {
        public var bold = "**"
        public var italic = "*"
        public var strikethrough = "~~"

        public init(bold: String = "**", italic: String = "*", strikethrough: String = "~~") {
            self.bold = bold
            self.italic = italic
            self.strikethrough = strikethrough
        }
    }

    /// For a dialect whose parser reads characters in plain text as markup and wants them escaped
    /// (Telegram MarkdownV2): how text, code and link destinations are escaped. Nil leaves them as
    /// they are — the Markdown dialects protect line starts instead, since their platforms do not
    /// all honour backslash escapes.
    public struct Escaping: Sendable {
        /// Every run of plain text, and the list markers and separators the writer adds itself.
        public var text: @Sendable (String) -> String
        /// Inline code and the lines of a code block.
        public var code: @Sendable (String) -> String
        /// A link's destination.
        public var url: @Sendable (String) -> String

        public init(
            text: @escaping @Sendable (String) -> String, code: @escaping @Sendable (String) -> String,
            url: @escaping @Sendable (String) -> String
        ) {
            self.text = text
            self.code = code
            self.url = url
        }
    }

    public var output: Output = .text
    public var markers = Markers()
    public var escaping: Escaping?
    /// Whether the platform parses Markdown at all (plain text does not, so nothing needs
    /// protecting).
    public var rendersMarkdown = true
    public var headings: HeadingStyle = .markdown
    public var bold = true
    public var italic = true
    public var strikethrough = true
    public var inlineCode = true
    public var links: LinkStyle = .markdown
    public var images: ImageStyle = .markdown
    /// Markdown lists; otherwise lines starting with `•` or `1.`.
    public var lists = true
    /// GFM tables; otherwise one line per row, `• header: cell · header: cell`.
    public var tables = true
    public var codeBlocks: CodeBlockStyle = .fenced
    /// Quoted lines start with this.
    public var quotePrefix = "> "
    /// Nested quotes; otherwise every quoted line gets one prefix.
    public var nestedQuotes = true
    public var thematicBreak = "---"
    /// Between blocks.
    public var blockSeparator = "\n\n"
    /// For a line break inside a paragraph, and between list items.
    public var lineBreak = "\n"
    /// How a mention of a user is written.
    public var mention: @Sendable (_ id: String, _ name: String?) -> String = { id, name in "@" + (name ?? id) }

    public init() {}
}
