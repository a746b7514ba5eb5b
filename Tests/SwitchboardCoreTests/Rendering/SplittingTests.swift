import Foundation
@testable import SwitchboardCore
import Testing

/// The visible text of the parts, labels left out — to compare with the source's.
func visibleContent(of parts: [RenderedPart]) -> String {
    parts.enumerated().map { index, part in
        let label = MarkdownBlock.paragraph([.text("(\(index + 1)/\(parts.count))")])
        let blocks = parts.count > 1 && part.blocks.last == label ? part.blocks.dropLast() : part.blocks[...]
        return MarkdownDocument(Array(blocks)).visibleText
    }.joined().filter { !$0.isWhitespace }
}

func visibleContent(ofMarkdown markdown: String) -> String {
    MarkdownDocument(ReplyRenderer.prepare(MarkdownParser.parse(markdown).blocks, options: RenderOptions())).visibleText.filter { !$0.isWhitespace }
}

@Suite("Splitting", .timeLimit(.minutes(5)))
struct SplittingTests {
    /// A long Chinese answer: headings, paragraphs, a 60-line code block, a 40-row table, a list.
    static let longAnswer: String = {
        var generator = SeededGenerator(seed: 20_241_129)
        let sentences = [
            "根据公司差旅制度，员工出差产生的交通、住宿和餐饮费用可以按标准报销。", "报销需要在出差结束后三十天内提交，并附上完整的发票和行程单。",
            "超过标准的部分需要部门负责人额外审批！", "电子发票需要先在系统中查验真伪吗？", "具体标准根据城市级别有所不同。",
        ]
        var text = "# 差旅报销完整指南\n\n"
        for section in 1...12 {
            text += "## 第\(section)节\n\n"
            text += (0..<9).map { _ in sentences.randomElement(using: &generator)! }.joined() + "\n\n"
        }
        text += "| 城市 | 住宿标准 | 餐饮补助 | 交通 |\n| --- | --: | --: | --- |\n"
        text += (0..<40).map { "| 城市\($0) | \(300 + $0 * 5) 元 | 100 元 | 实报实销 |" }.joined(separator: "\n") + "\n\n"
        text += "```swift\n" + (0..<60).map { "let 第\($0)行 = \"用来测试长代码块拆分的中文字符串\" // \($0)" }.joined(separator: "\n") + "\n```\n\n"
        text += (0..<20).map { "- " + sentences[$0 % sentences.count] }.joined(separator: "\n") + "\n"
        while text.count < 10_000 { text += sentences.randomElement(using: &generator)! }
        return text
    }()

    @Test(arguments: [RenderTarget.wecomText, .wecomMarkdown, .dingtalkMarkdown, .wecomMarkdownV2, .feishuPost])
    func aLongAnswerLosesAndRepeatsNothing(_ target: RenderTarget) {
        #expect(Self.longAnswer.count >= 10_000)
        let parts = ReplyRenderer.render(markdown: Self.longAnswer, for: target)
        #expect(parts.count > 1, "\(target) did not split")
        for (index, part) in parts.enumerated() {
            #expect(part.size <= target.maxBytes)
            #expect(RenderChecks.isValid(part.text, dialect: target.dialect))
            #expect(part.text.hasSuffix("(\(index + 1)/\(parts.count))") || target.dialect == .feishuPost)
        }
        #expect(visibleContent(of: parts) == visibleContent(ofMarkdown: Self.longAnswer))
    }

    @Test func anAnswerThatFitsIsOnePartWithoutALabel() {
        let parts = ReplyRenderer.render(markdown: "短回答。", for: .wecomText)
        #expect(parts.map(\.text) == ["短回答。"])
        #expect(ReplyRenderer.render(markdown: "  \n\n ", for: .wecomText).isEmpty)
    }

    @Test func aHeadingStaysWithWhatItHeads() {
        let paragraph = String(repeating: "这是一个很长的段落。", count: 60)
        let parts = ReplyRenderer.render(markdown: "\(paragraph)\n\n## 小结\n\n\(paragraph)", for: .wecomText)
        for part in parts {
            #expect(!part.text.hasSuffix("小结\n\n(\(parts.firstIndex(of: part)! + 1)/\(parts.count))"))
        }
    }

    @Test func splitCodeIsFencedInEveryPart() {
        let code = "```go\n" + (0..<200).map { "fmt.Println(\"line \($0)\")" }.joined(separator: "\n") + "\n```"
        let parts = ReplyRenderer.render(markdown: code, for: .wecomMarkdownV2)
        #expect(parts.count > 1)
        for part in parts {
            #expect(part.text.hasPrefix("```go\n"))
            #expect(part.text.contains("\n```\n"))
        }
    }

    @Test func aSplitTableRepeatsItsHeader() {
        let table = "| 名称 | 数量 |\n| --- | --: |\n" + (0..<300).map { "| 物品\($0) | \($0) |" }.joined(separator: "\n")
        let parts = ReplyRenderer.render(markdown: table, for: .wecomMarkdownV2)
        #expect(parts.count > 1)
        #expect(parts.allSatisfy { $0.text.hasPrefix("| 名称 | 数量 |\n| --- | --: |\n") })
        #expect(visibleContent(of: parts) == visibleContent(ofMarkdown: table))
    }

    @Test func aLongSentenceWithoutPunctuationIsCutBetweenCharacters() {
        let emoji = String(repeating: "👨‍👩‍👧‍👦汉字", count: 400)
        let parts = ReplyRenderer.render(markdown: emoji, for: .wecomText)
        #expect(parts.count > 1)
        #expect(parts.allSatisfy { $0.size <= 2048 })
        #expect(visibleContent(of: parts) == visibleContent(ofMarkdown: emoji))
    }

    @Test func theFooterFollowsTheAnswerWithinTheBudget() {
        let answer = String(repeating: "这是答案的一部分。", count: 220)
        let reply = Reply(
            markdown: answer,
            citations: (0..<9).map { Citation(title: "文档\($0 % 4).pdf", score: Double($0) / 10) },
            suggestions: ["还有什么？"]
        )
        let parts = ReplyRenderer.render(reply, for: .wecomText)
        #expect(parts.last?.text.contains("📚 文档0.pdf · 文档3.pdf · 文档2.pdf · 文档1.pdf") == true)
        #expect(parts.last?.text.contains("💡 还有什么？") == true)
        #expect(parts.allSatisfy { $0.size <= 2048 })
    }
}

/// Deterministic randomness (SplitMix64), so a failure can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
