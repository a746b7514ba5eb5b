import SwitchboardCore
import SwitchboardTelegram
import Testing

/// The MarkdownV2 dialect, defined with the public rendering API only.
@Suite("Telegram MarkdownV2")
struct MarkdownV2Tests {
    func render(_ markdown: String) -> String {
        ReplyRenderer.render(markdown: markdown, for: .telegramMarkdownV2).map(\.text).joined(separator: "\n<part>\n")
    }

    @Test("every reserved character in plain text is escaped")
    func reservedCharacters() {
        #expect(render(##"a_b*c[d]e(f)g~h\`i>j#k+l-m=n|o{p}q.r!s\t"##) == ##"a\_b\*c\[d\]e\(f\)g\~h\`i\>j\#k\+l\-m\=n\|o\{p\}q\.r\!s\\t"##)
        #expect(render("版本 2.0 发布！价格 -30%") == #"版本 2\.0 发布！价格 \-30%"#)
    }

    @Test("emphasis uses Telegram's markers, and the text inside is escaped")
    func emphasis() {
        #expect(render("**注意** 和 *斜体* 和 ~~删除~~") == "*注意* 和 _斜体_ 和 ~删除~")
        #expect(render("**v1.2 (beta)**") == #"*v1\.2 \(beta\)*"#)
        // Italic right after italic would read as underline (`__`): the markers are kept apart.
        #expect(!render("*a**b*").contains("__"))
    }

    @Test("code escapes only ` and \\, inside inline code and pre blocks")
    func code() {
        #expect(render("run `a_b.c(1)`") == "run `a_b.c(1)`")
        #expect(render("```swift\nlet x = a.b(\"\\n\") // 1-2\n```") == "```swift\nlet x = a.b(\"\\\\n\") // 1-2\n```")
        #expect(render("``a`b``") == "`a\\`b`")
    }

    @Test("links escape ) and \\ in the destination and everything in the text")
    func links() {
        #expect(render("[文档 v2.0](https://example.com/a_(b))") == #"[文档 v2\.0](https://example.com/a_(b\))"#)
        #expect(render("![架构图](https://example.com/x.png)") == #"[架构图](https://example.com/x.png)"#)
    }

    @Test("headings, lists, tables and quotes are lowered to what MarkdownV2 shows")
    func lowered() {
        #expect(render("## 部署步骤") == "*部署步骤*")
        #expect(render("1. 安装\n2. 配置") == "1\\. 安装\n2\\. 配置")
        #expect(render("- 一\n- 二") == "• 一\n• 二")
        #expect(render("| 项 | 值 |\n|---|---|\n| CPU | 2 |") == "• 项: CPU · 值: 2")
        // Telegram's block quotes do not nest: one level, paragraphs apart by an empty quoted line.
        #expect(render("> 引用 1.\n>> 嵌套") == ">引用 1\\.\n>\n>嵌套")
    }

    @Test("the 4,096 limit is counted in UTF-16 units, escapes included")
    func limit() {
        // 3,000 emoji are 6,000 UTF-16 units but 3,000 characters: two messages.
        let parts = ReplyRenderer.render(markdown: String(repeating: "😀", count: 3000), for: .telegramMarkdownV2)
        #expect(parts.count == 2)
        for part in parts { #expect(part.text.utf16.count <= 4096) }
        // Dots double in size when escaped: 3,000 of them do not fit one message.
        let dots = ReplyRenderer.render(markdown: String(repeating: "a.", count: 1500), for: .telegramMarkdownV2)
        #expect(dots.count == 2)
        for part in dots { #expect(part.size <= 4096 && part.text.utf16.count == part.size) }
    }

    @Test("a mention of a user is a tg://user link; of a username, @name escaped")
    func mentions() {
        let style = MarkdownDialect.telegramMarkdownV2.style
        #expect(style.mention("7261534098", "Li (ops)") == #"[Li \(ops\)](tg://user?id=7261534098)"#)
        #expect(style.mention("@li_wei", nil) == #"@li\_wei"#)
    }
}
