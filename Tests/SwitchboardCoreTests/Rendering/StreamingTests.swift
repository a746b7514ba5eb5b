@testable import SwitchboardCore
import Testing

@Suite("Streaming", .timeLimit(.minutes(5)))
struct StreamingTests {
    @Test func aPartialAnswerIsSafeToShow() {
        #expect(StreamingMarkdown.displayable("这是**重点") == "这是**重点**")
        #expect(StreamingMarkdown.displayable("这是~~删除") == "这是~~删除~~")
        #expect(StreamingMarkdown.displayable("用 `ls") == "用 `ls`")
        #expect(StreamingMarkdown.displayable("已经**闭合**了") == "已经**闭合**了")
        #expect(StreamingMarkdown.displayable("结果：\n| 项 | 值 |") == "结果：")
        #expect(StreamingMarkdown.displayable("结果：\n| 项 | 值 |\n|---|---|\n| a | 1 |\n| b | 2") == "结果：\n| 项 | 值 |\n|---|---|\n| a | 1 |")
        #expect(StreamingMarkdown.displayable("```swift\nlet a = \"**\"") == "```swift\nlet a = \"**\"")
    }

    @Test func aPartialAnswerRendersWithClosedFences() {
        let parts = ReplyRenderer.renderPartial("代码：\n```swift\nlet a = 1\n", for: .feishuCard)
        #expect(parts.map(\.text) == ["代码：\n\n```swift\nlet a = 1\n```"])
    }

    @Test func theThrottleWaitsForTimeAndGrowth() {
        var throttle = StreamThrottle(minimumInterval: .milliseconds(500), minimumGrowth: 40)
        let start = ContinuousClock.now
        let steps: [(length: Int, after: Int, isFinal: Bool, sends: Bool)] = [
            (50, 0, false, true),      // the first update goes out
            (200, 100, false, false),  // too soon
            (60, 600, false, false),   // not grown enough
            (200, 600, false, true),
            (201, 610, true, true),    // the final one always goes out...
            (201, 700, true, false),   // ...once
        ]
        for step in steps {
            let sends = throttle.shouldUpdate(length: step.length, at: start + .milliseconds(step.after), isFinal: step.isFinal)
            #expect(sends == step.sends, "\(step)")
        }
    }
}
