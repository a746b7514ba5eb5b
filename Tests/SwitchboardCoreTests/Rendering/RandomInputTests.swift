import Foundation
@testable import SwitchboardCore
import Testing

/// Thousands of generated answers — fragments of Markdown, CJK, emoji, unmatched `**`, `|` and
/// backticks, broken surrogate pairs (replaced) — rendered for every dialect at budgets down to the
/// smallest allowed: nothing crashes, no part is over budget or invalid, nothing is lost or repeated.
@Suite("Random input", .timeLimit(.minutes(5)))
struct RandomInputTests {
    static let fragments = [
        "**", "*", "__", "_", "~~", "`", "```", "```swift\n", "\n```\n", "|", " | ", "\n| a | b |\n| --- | --- |\n", "| 1 | 2 |\n",
        "# ", "## 标题\n", "- ", "1. ", "   - ", "> ", "\n", "\n\n", "[链接](https://example.com/a)", "![图](https://example.com/i.png)",
        "https://example.com/x?y=1", "<think>", "</think>", "<br>", "\\", "\\*", "中文字符", "。", "！", "？", ". ", "句子结束。",
        "English words ", "👨‍👩‍👧‍👦", "🌤", "e\u{301}", "\u{FFFD}", "    indented code\n", "---\n", "***", "2 * 3", "snake_case",
        "@someone", "<@user>", "\t", "  ", "ａｂｃ", "\u{200B}",
    ]

    static func generate(_ generator: inout SeededGenerator) -> String {
        var text = ""
        let count = Int.random(in: 0...120, using: &generator)
        for _ in 0..<count {
            if Int.random(in: 0..<20, using: &generator) == 0 {
                // Raw UTF-16 units, lone surrogates included: decoding replaces what is invalid.
                let units = (0..<Int.random(in: 1...6, using: &generator)).map { _ in UInt16.random(in: 0xD700...0xE000, using: &generator) }
                text += String(decoding: units, as: UTF16.self)
            } else {
                text += fragments.randomElement(using: &generator)!
            }
        }
        return text
    }

    static let dialects = MarkdownDialect.builtIn

    @Test(arguments: 0..<8)
    func neverCrashesNeverOverflowsNeverLosesContent(_ batch: Int) async {
        var generator = SeededGenerator(seed: UInt64(batch) &* 7919 &+ 1)
        for _ in 0..<250 {
            let markdown = Self.generate(&generator)
            let dialect = Self.dialects.randomElement(using: &generator)!
            let budget = max(RenderTarget.minimumBytes(for: dialect), [RenderTarget.minimumBytes, 120, 200, 500, 2048].randomElement(using: &generator)!)
            let measure: RenderTarget.Measure = Bool.random(using: &generator) ? .utf8 : .jsonEscaped(times: 2)
            let target = RenderTarget(name: "random", dialect: dialect, maxBytes: budget, measure: measure, rule: "test")
            let reply = Reply(markdown: markdown, citations: [Citation(title: "文档.pdf")], suggestions: ["下一步？"])
            let parts = ReplyRenderer.render(reply, for: target, options: RenderOptions(showThinking: Bool.random(using: &generator)))
            for part in parts {
                #expect(part.size <= budget, "\(dialect) \(budget): \(part.size) bytes for \(markdown.debugDescription)")
                #expect(RenderChecks.isValid(part.text, dialect: dialect), "\(dialect): invalid part for \(markdown.debugDescription)")
                #expect(!part.text.isEmpty)
            }
            let withoutFooter = ReplyRenderer.render(markdown: markdown, for: target)
            #expect(visibleContent(of: withoutFooter) == visibleContent(ofMarkdown: markdown), "\(dialect) \(budget): content changed for \(markdown.debugDescription)")
            // CPU work: the pool's thread goes back to the tests beside this one between inputs.
            await Task.yield()
        }
    }
}
