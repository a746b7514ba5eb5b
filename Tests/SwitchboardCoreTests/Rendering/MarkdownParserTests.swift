@testable import SwitchboardCore
import Testing

@Suite("Markdown parser", .timeLimit(.minutes(5)))
struct MarkdownParserTests {
    func parse(_ text: String) -> [MarkdownBlock] {
        MarkdownParser.parse(text).blocks
    }

    @Test func headingsParagraphsAndBreaks() {
        #expect(parse("# 标题 #\n\n第一行\n第二行  \n---\n\ntext\n===") == [
            .heading(level: 1, [.text("标题")]),
            .heading(level: 2, [.text("第一行"), .lineBreak, .text("第二行")]),
            .heading(level: 1, [.text("text")]),
        ])
        #expect(parse("a\n\n***\n\nb") == [.paragraph([.text("a")]), .thematicBreak, .paragraph([.text("b")])])
        #expect(parse("#不是标题") == [.paragraph([.text("#不是标题")])])
    }

    @Test func emphasisTheWayLLMsWriteIt() {
        #expect(parse("**注意：**这是重点") == [.paragraph([.bold([.text("注意：")]), .text("这是重点")])])
        #expect(parse("*斜* ~~删~~ __粗__ ***都***") == [.paragraph([
            .italic([.text("斜")]), .text(" "), .strike([.text("删")]), .text(" "), .bold([.text("粗")]), .text(" "),
            .italic([.bold([.text("都")])]),
        ])])
        #expect(parse("snake_case_name 与 2 * 3 * 4") == [.paragraph([.text("snake_case_name 与 2 * 3 * 4")])])
        // A marker the model never closed is dropped, not shown.
        #expect(parse("**未闭合的粗体") == [.paragraph([.text("未闭合的粗体")])])
        #expect(parse("单个 *星号") == [.paragraph([.text("单个 *星号")])])
    }

    @Test func codeSpansEscapesAndLinks() {
        #expect(parse("用 `a**b` 和 \\*字面\\*") == [.paragraph([.text("用 "), .code("a**b"), .text(" 和 *字面*")])])
        #expect(parse("``有`反引号``") == [.paragraph([.code("有`反引号")])])
        #expect(parse("见[文档](https://a.cn/x \"标题\")与![图](https://a.cn/i.png)") == [.paragraph([
            .text("见"), .link(text: [.text("文档")], url: "https://a.cn/x"), .text("与"), .image(alt: "图", url: "https://a.cn/i.png"),
        ])])
        #expect(parse("详见https://a.cn/x?y=1。谢谢") == [.paragraph([.text("详见"), .link(text: [.text("https://a.cn/x?y=1")], url: "https://a.cn/x?y=1"), .text("。谢谢")])])
        #expect(parse("<https://a.cn>换行<br>了") == [.paragraph([.link(text: [.text("https://a.cn")], url: "https://a.cn"), .text("换行"), .lineBreak, .text("了")])])
        #expect(parse("[未闭合的链接](https://a.cn") == [.paragraph([.text("[未闭合的链接]("), .link(text: [.text("https://a.cn")], url: "https://a.cn")])])
        #expect(parse("![图](https://a.cn/i.png)") == [.image(alt: "图", url: "https://a.cn/i.png")])
    }

    @Test func fencedCodeClosedOrNot() {
        // Trailing blank lines inside a fence are dropped (an unclosed fence ends with one).
        #expect(parse("```swift\nlet a = 1\n\n```\n后文") == [.code(language: "swift", lines: ["let a = 1"]), .paragraph([.text("后文")])])
        #expect(parse("~~~\n```\n~~~") == [.code(language: nil, lines: ["```"])])
        #expect(parse("```js\nconsole.log(1)\n") == [.code(language: "js", lines: ["console.log(1)"])])
        #expect(parse("段落\n\n    缩进代码\n    第二行") == [.paragraph([.text("段落")]), .code(language: nil, lines: ["缩进代码", "第二行"])])
    }

    @Test func listsNestedTheWayLLMsIndentThem() {
        let expected: [MarkdownBlock] = [.list(MarkdownList(ordered: true, start: 3, items: [
            [.paragraph([.text("三")]), .list(MarkdownList(ordered: false, items: [[.paragraph([.text("子项")])]]))],
            [.paragraph([.text("四")])],
        ]))]
        #expect(parse("3. 三\n   - 子项\n4. 四") == expected)
        #expect(parse("3. 三\n  - 子项\n4. 四") == expected)
        #expect(parse("说明：\n1. 第一\n2. 第二") == [
            .paragraph([.text("说明：")]), .list(MarkdownList(ordered: true, items: [[.paragraph([.text("第一")])], [.paragraph([.text("第二")])]])),
        ])
        #expect(parse("- a\n\n- b\n继续") == [.list(MarkdownList(ordered: false, items: [[.paragraph([.text("a")])], [.paragraph([.text("b"), .lineBreak, .text("继续")])]]))])
    }

    @Test func tablesEvenWithoutABlankLineBefore() {
        let table = MarkdownTable(
            header: [[.text("项")], [.text("值")]], alignments: [.left, .right],
            rows: [[[.text("a|b")], [.bold([.text("1")])]], [[.text("只有一格")], []]]
        )
        #expect(parse("结果如下：\n| 项 | 值 |\n|:--|--:|\n| a\\|b | **1** |\n| 只有一格\n后文") == [
            .paragraph([.text("结果如下：")]), .table(table), .paragraph([.text("后文")]),
        ])
        #expect(parse("| 只有表头 |\n后文") == [.paragraph([.text("| 只有表头 |"), .lineBreak, .text("后文")])])
    }

    @Test func quotesAndThinking() {
        #expect(parse("> 引用\n继续\n> > 嵌套") == [.quote([.paragraph([.text("引用"), .lineBreak, .text("继续")]), .quote([.paragraph([.text("嵌套")])])])])
        #expect(parse("<think>\n想一想\n</think>\n\n答案") == [.thinking([.paragraph([.text("想一想")])]), .paragraph([.text("答案")])])
        #expect(parse("<think>还在想") == [.thinking([.paragraph([.text("还在想")])])])
        #expect(parse("文中的 <think> 不算") == [.paragraph([.text("文中的 <think> 不算")])])
    }

    @Test func lineEndingsAndVisibleText() {
        #expect(parse("a\r\nb\rc") == [.paragraph([.text("a"), .lineBreak, .text("b"), .lineBreak, .text("c")])])
        #expect(MarkdownParser.parse("**粗** [链](u) `码`").visibleText == "粗 链 码")
    }
}
