import Foundation
@testable import SwitchboardCore
import Testing

@Suite("Dialects", .timeLimit(.minutes(5)))
struct DialectTests {
    func render(_ markdown: String, _ target: RenderTarget) -> String {
        ReplyRenderer.render(markdown: markdown, for: target).map(\.text).joined(separator: "\n=====\n")
    }

    @Test func plainTextRemovesMarkup() {
        #expect(render("## 标题\n**粗** *斜* `码` [链接](https://a.cn) ![图](https://a.cn/i.png) https://a.cn", .wecomText)
            == "标题\n\n粗 斜 码 链接 (https://a.cn) 图 (https://a.cn/i.png) https://a.cn")
        #expect(render("- 一\n  - 二\n1. 三", .wecomText) == "• 一\n  ◦ 二\n\n1. 三")
        #expect(render("| 项 | 值 |\n|---|---|\n| 访问 | 120 |", .wecomText) == "• 项: 访问 · 值: 120")
        #expect(render("```\n  缩进保留\n```", .wecomText) == "  缩进保留")
    }

    @Test func wecomMarkdownLowersListsTablesImagesAndCode() {
        #expect(render("- 一\n- 二", .wecomMarkdown) == "• 一\n• 二")
        #expect(render("![图](https://a.cn/i.png)", .wecomMarkdown) == "[图](https://a.cn/i.png)")
        #expect(render("```sh\nls -la\n\necho `date`\n```", .wecomMarkdown) == "`ls -la`\n\n\u{200B}echo `date`")
        #expect(render("> 一\n> > 二", .wecomMarkdown) == "> 一\n>\n> 二")
        #expect(render("*斜* ~~删~~", .wecomMarkdown) == "斜 删")
    }

    @Test func mentionsPerDialect() {
        let blocks: [MarkdownBlock] = [.paragraph([.mention(id: "zhangsan", name: "张三"), .text(" 你好")])]
        func mention(_ dialect: MarkdownDialect) -> String { dialect.writer.render(blocks) }
        #expect(mention(.wecomMarkdown) == "<@zhangsan> 你好")
        #expect(mention(.wecomMarkdownV2) == "@张三 你好")
        #expect(mention(.feishuCard) == "<at id=zhangsan></at> 你好")
        #expect(mention(.dingtalkMarkdown) == "@张三 你好")
        #expect(mention(.plainText) == "@张三 你好")
        #expect(mention(.feishuPost).contains(#"{"tag":"at","user_id":"zhangsan"}"#))
    }

    @Test func dingtalkBreaksLinesWithBlankLinesAndHasNoTables() {
        #expect(render("第一行\n第二行", .dingtalkMarkdown) == "第一行\n\n第二行")
        #expect(render("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |", .dingtalkMarkdown) == "• a: 1 · b: 2\n\n• a: 3 · b: 4")
        #expect(render("```\nx\ny\n```", .dingtalkMarkdown) == "```\nx  \ny  \n```")
        #expect(render("用 `code`", .dingtalkMarkdown) == "用 code")
    }

    @Test func feishuCardKeepsTablesAndWritesHeadingsBold() {
        #expect(render("# 大标题\n\n| a |\n|---|\n| 1 |", .feishuCard) == "**大标题**\n\n| a |\n| --- |\n| 1 |")
        #expect(render("![图](https://a.cn/i.png)", .feishuCard) == "[图](https://a.cn/i.png)")
    }

    @Test func feishuPostIsRichTextJSON() throws {
        let text = render("## 结论\n**可以**上线，见[文档](https://a.cn)。\n\n- 测试通过", .feishuPost)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let content = try #require((object["zh_cn"] as? [String: Any])?["content"] as? [[[String: Any]]])
        #expect(content.count == 5)
        #expect(content[0].first?["style"] as? [String] == ["bold"])
        #expect(content[2].map { $0["tag"] as? String } == ["text", "text", "a", "text"])
        #expect(content[2][2]["href"] as? String == "https://a.cn")
        #expect(content[4].first?["text"] as? String == "• 测试通过")
    }

    @Test func textThatLooksLikeABlockStaysText() {
        // "1\\." is an escaped ordered-list marker: the text must not become a list when rendered.
        #expect(render("1\\. 不是列表\n\\# 不是标题", .wecomMarkdownV2) == "\u{200B}1. 不是列表\n\u{200B}# 不是标题")
        #expect(render("1\\. 不是列表", .wecomText) == "1. 不是列表")
    }

    @Test func budgetsAreCountedAsTheyAreSent() {
        #expect(RenderTarget.wecomText.size(of: "中a\n\"") == 6)
        #expect(RenderTarget.dingtalkMarkdown.size(of: "中a\n\"") == 3 + 1 + 2 + 2)
        #expect(RenderTarget.feishuCard.size(of: "中a\n\"\\") == 3 + 1 + 3 + 4 + 4)
    }
}
