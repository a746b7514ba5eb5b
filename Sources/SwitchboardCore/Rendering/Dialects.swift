/// Every built-in dialect and render target, with the platform rule each comes from. Tags are
/// those of `../shared/reference/platforms.md`: [D] official doc, [S] SDK source, [3P] third
/// party, [M] unverified — code written against an [M] or [3P] fact lowers conservatively.
extension MarkdownDialect {
    /// CommonMark with GFM tables, unchanged: the generic adapter.
    public static let commonMark = MarkdownDialect(name: "commonmark", style: DialectStyle())

    /// No markup at all: WeCom `text` messages. Links become `text (url)`, lists `•`/`1.` lines,
    /// tables one line per row, code its lines.
    public static let plainText: MarkdownDialect = {
        var style = DialectStyle()
        style.rendersMarkdown = false
        style.headings = .boldLine
        style.bold = false
        style.italic = false
        style.strikethrough = false
        style.inlineCode = false
        style.links = .textThenURL
        style.images = .link
        style.lists = false
        style.tables = false
        style.codeBlocks = .plainLines
        style.nestedQuotes = false
        style.thematicBreak = "——————"
        return MarkdownDialect(name: "plain_text", style: style)
    }()

    /// WeCom `markdown` (v1) [D doc 91770]: `#` headings, `**bold**`, links, single-line inline
    /// code, `>` quotes, `<font>`, `<@userid>`. No lists, tables, images, italics, code blocks.
    public static let wecomMarkdown: MarkdownDialect = {
        var style = DialectStyle()
        style.italic = false
        style.strikethrough = false
        style.images = .link
        style.lists = false
        style.tables = false
        style.codeBlocks = .inlineCodePerLine
        style.nestedQuotes = false
        style.thematicBreak = "——————"
        style.mention = { id, _ in "<@\(id)>" }
        return MarkdownDialect(name: "wecom_markdown", style: style)
    }()

    /// WeCom `markdown_v2` [3P]: adds lists, nested quotes, images, `---` and tables; has no
    /// `<font>` and no `<@userid>`. Fenced code and strikethrough are not listed by any source:
    /// code is kept fenced (readable even if shown raw), strikethrough is dropped. Also used for
    /// the AI bot's stream content [M].
    public static let wecomMarkdownV2: MarkdownDialect = {
        var style = DialectStyle()
        style.strikethrough = false
        return MarkdownDialect(name: "wecom_markdown_v2", style: style)
    }()

    /// Feishu card `markdown` element, card JSON 2.0 [D rich-text component]: lists, code blocks,
    /// quotes, tables, `~~`, `<at id=…></at>`. Headings are written as bold lines — JSON 1.0 has
    /// none and the docs advise against large headings. Images need an uploaded `img_key`: one
    /// (`![alt](img_v2_…)`, put there by the adapter) stays an image, a URL image becomes a link.
    /// A table shows five rows per page.
    public static let feishuCard: MarkdownDialect = {
        var style = DialectStyle()
        style.headings = .boldLine
        style.images = .markdownForKeys(prefix: "img_")
        style.mention = { id, _ in "<at id=\(id)></at>" }
        return MarkdownDialect(name: "feishu_card", style: style)
    }()

    /// Feishu `post` rich text [D/M]: paragraphs of `text` (styles bold/italic/lineThrough), `a`
    /// and `at` elements. Everything else is lowered to text lines; images need an `img_key`, so
    /// they become links.
    public static let feishuPost: MarkdownDialect = {
        // Lowered like plain text, except that post shows text styles and links itself.
        var style = MarkdownDialect.plainText.style
        style.output = .feishuPost
        style.bold = true
        style.italic = true
        style.strikethrough = true
        style.links = .markdown
        return MarkdownDialect(name: "feishu_post", style: style)
    }()

    /// DingTalk `markdown` [3P api.md]: headings, `>` quotes, `**bold**`, `*italic*`, links,
    /// images, lists; no tables; a line break needs a blank line (`\n\n`). Inline code, code
    /// blocks, strikethrough and `---` are not listed: inline code becomes text, code blocks keep
    /// their fences with two-space hard breaks, rules become a line of dashes.
    public static let dingtalkMarkdown: MarkdownDialect = {
        var style = DialectStyle()
        style.strikethrough = false
        style.inlineCode = false
        style.tables = false
        style.codeBlocks = .fencedWithHardBreaks
        style.thematicBreak = "——————"
        style.lineBreak = "\n\n"
        return MarkdownDialect(name: "dingtalk_markdown", style: style)
    }()

    public static let builtIn: [MarkdownDialect] = [.commonMark, .plainText, .wecomMarkdown, .wecomMarkdownV2, .feishuCard, .feishuPost, .dingtalkMarkdown]
}

/// Where a rendered answer goes: a dialect and the budget of one message (`maxBytes`, counted as
/// `measure` says — bytes for every built-in target, UTF-16 units where a platform counts so).
public struct RenderTarget: Sendable, CustomStringConvertible {
    /// How the budget is counted.
    public enum Measure: Sendable {
        /// UTF-8 bytes of the rendered text.
        case utf8
        /// UTF-16 code units of the rendered text (Telegram counts its 4,096 characters so).
        case utf16
        /// UTF-8 bytes after the text is escaped as a JSON string this many times (a card's text
        /// sits in the card JSON, which sits in the request's `content` string).
        case jsonEscaped(times: Int)
    }

    public var name: String
    public var dialect: MarkdownDialect
    public var maxBytes: Int
    public var measure: Measure
    /// The platform rule the limit comes from.
    public var rule: String

    /// The smallest budget the splitter accepts: room for a fenced line, a part label and one
    /// character — and, for a Feishu post, its JSON around them.
    public static let minimumBytes = 96
    public static let minimumPostBytes = 512

    public static func minimumBytes(for dialect: MarkdownDialect) -> Int {
        dialect.style.output == .feishuPost ? minimumPostBytes : minimumBytes
    }

    public init(name: String, dialect: MarkdownDialect, maxBytes: Int, measure: Measure = .utf8, rule: String) {
        precondition(maxBytes >= Self.minimumBytes(for: dialect), "a render target needs at least \(Self.minimumBytes(for: dialect)) bytes")
        self.name = name
        self.dialect = dialect
        self.maxBytes = maxBytes
        self.measure = measure
        self.rule = rule
    }

    public var description: String { name }

    public static let wecomText = RenderTarget(
        name: "wecom.text", dialect: .plainText, maxBytes: 2048,
        rule: "text.content ≤ 2048 bytes [D doc 91770 group robot; assumed the same for message/send, M]"
    )
    public static let wecomMarkdown = RenderTarget(
        name: "wecom.markdown", dialect: .wecomMarkdown, maxBytes: 4096, rule: "markdown.content ≤ 4096 bytes [D doc 91770]"
    )
    public static let wecomMarkdownV2 = RenderTarget(
        name: "wecom.markdown_v2", dialect: .wecomMarkdownV2, maxBytes: 4096, rule: "markdown_v2.content ≤ 4096 bytes [3P]"
    )
    public static let wecomStream = RenderTarget(
        name: "wecom.stream", dialect: .wecomMarkdownV2, maxBytes: 20_480,
        rule: "AI bot stream.content ≤ 20480 bytes, the whole text so far [S aibot SDK]"
    )
    public static let feishuCard = RenderTarget(
        name: "feishu.card", dialect: .feishuCard, maxBytes: 28_000, measure: .jsonEscaped(times: 2),
        rule: "card ≤ 30 KB per request [D message/patch]; the text is escaped into the card JSON and again into content; 2 KB kept for the card's own JSON"
    )
    public static let feishuPost = RenderTarget(
        name: "feishu.post", dialect: .feishuPost, maxBytes: 28_000, measure: .jsonEscaped(times: 1),
        rule: "post ≤ 30 KB per request [D message/patch]; the post JSON is escaped into content; 2 KB kept for the request"
    )
    public static let dingtalkMarkdown = RenderTarget(
        name: "dingtalk.markdown", dialect: .dingtalkMarkdown, maxBytes: 14_000, measure: .jsonEscaped(times: 1),
        rule: "msgParam {title, text} ≤ 15000 bytes [D groupMessages/send]; the text is escaped into msgParam; 1 KB kept for the title; sessionWebhook limit unknown, assumed no larger"
    )
    public static let generic = RenderTarget(
        name: "generic", dialect: .commonMark, maxBytes: 1 << 20, rule: "the generic adapter's callback; no platform limit"
    )

    public static let builtIn: [RenderTarget] = [.wecomText, .wecomMarkdown, .wecomMarkdownV2, .wecomStream, .feishuCard, .feishuPost, .dingtalkMarkdown, .generic]

    /// The size of `text` as this target counts it.
    public func size(of text: String) -> Int {
        switch measure {
        case .utf8: text.utf8.count
        case .utf16: text.utf16.count
        case .jsonEscaped(let times):
            // Most of a message is neither a quote, a backslash nor a control character.
            text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x20 && $1 != "\"" && $1 != "\\" ? UTF8.width($1) : Self.escapedSize($1, times: times)) }
        }
    }

    static func escapedSize(_ scalar: Unicode.Scalar, times: Int) -> Int {
        guard times > 0 else { return UTF8.width(scalar) }
        switch scalar {
        // Escaping writes a backslash before the character; the next escape escapes both.
        case "\"", "\\": return escapedSize("\\", times: times - 1) + escapedSize(scalar, times: times - 1)
        case "\n", "\r", "\t", "\u{8}", "\u{C}": return escapedSize("\\", times: times - 1) + 1
        case _ where scalar.value < 0x20: return escapedSize("\\", times: times - 1) + 5
        default: return UTF8.width(scalar)
        }
    }
}
