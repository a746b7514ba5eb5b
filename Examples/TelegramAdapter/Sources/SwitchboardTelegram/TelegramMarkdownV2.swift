public import SwitchboardCore

/// Telegram's MarkdownV2 (https://core.telegram.org/bots/api#markdownv2-style), defined through the
/// public rendering API: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, fenced `pre` blocks,
/// `[text](url)`, `>` block quotes (not nested). No headings, lists or tables: headings become bold
/// lines, lists `•`/`1.` lines, tables one line per row. Outside entities every one of
/// `_*[]()~`>#+-=|{}.!` and `\` is escaped with a backslash; inside code only `` ` `` and `\`;
/// inside a link's destination only `)` and `\`.
extension MarkdownDialect {
    public static let telegramMarkdownV2: MarkdownDialect = {
        var style = DialectStyle()
        style.headings = .boldLine
        style.markers = DialectStyle.Markers(bold: "*", italic: "_", strikethrough: "~")
        style.images = .link
        style.lists = false
        style.tables = false
        style.nestedQuotes = false
        style.quotePrefix = ">"
        style.thematicBreak = "——————"
        style.escaping = DialectStyle.Escaping(text: TelegramEscaping.text, code: TelegramEscaping.code, url: TelegramEscaping.url)
        // A user without a username is mentioned by a link to their id.
        style.mention = { id, name in
            guard let number = Int64(id) else { return TelegramEscaping.text(id.hasPrefix("@") ? id : "@" + id) }
            return "[\(TelegramEscaping.text(name ?? id))](tg://user?id=\(number))"
        }
        return MarkdownDialect(name: "telegram_markdown_v2", style: style)
    }()
}

extension RenderTarget {
    /// `sendMessage`/`editMessageText` with `parse_mode: MarkdownV2`.
    public static let telegramMarkdownV2 = RenderTarget(
        name: "telegram.markdown_v2", dialect: .telegramMarkdownV2, maxBytes: 4096, measure: .utf16,
        rule: "text ≤ 4096 characters after entities parsing [Bot API sendMessage]; counted here as UTF-16 units of the escaped text, which is never fewer"
    )

    /// The same message without `parse_mode`: what is sent when Telegram cannot parse the MarkdownV2.
    public static let telegramText = RenderTarget(
        name: "telegram.text", dialect: .plainText, maxBytes: 4096, measure: .utf16,
        rule: "text ≤ 4096 characters [Bot API sendMessage], in UTF-16 units"
    )
}

/// MarkdownV2's three escaping rules.
enum TelegramEscaping {
    static let reserved: Set<Character> = ["_", "*", "[", "]", "(", ")", "~", "`", ">", "#", "+", "-", "=", "|", "{", "}", ".", "!", "\\"]

    @Sendable static func text(_ text: String) -> String {
        escaping(text, reserved)
    }

    @Sendable static func code(_ text: String) -> String {
        escaping(text, ["`", "\\"])
    }

    @Sendable static func url(_ text: String) -> String {
        escaping(text, [")", "\\"])
    }

    private static func escaping(_ text: String, _ characters: Set<Character>) -> String {
        guard text.contains(where: characters.contains) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for character in text {
            if characters.contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
