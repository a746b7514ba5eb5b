@testable import SwitchboardDify
import Testing

@Suite("Reasoning filter", .timeLimit(.minutes(5)))
struct ThinkFilterTests {
    static func run(_ deltas: [String], mode: ThinkFilter.Mode) -> String {
        var filter = ThinkFilter(mode: mode)
        return deltas.map { filter.filter($0) }.joined() + filter.finish()
    }

    @Test("a leading <think> block is removed, however the deltas split it")
    func drop() {
        let answer = "<think>\n用户在问天气。\n</think>\n\n北京今天晴。"
        let characters = answer.map(String.init)
        #expect(Self.run([answer], mode: .drop) == "北京今天晴。")
        #expect(Self.run(characters, mode: .drop) == "北京今天晴。")
        for cut in 1..<characters.count {
            let deltas = [characters[..<cut].joined(), characters[cut...].joined()]
            #expect(Self.run(deltas, mode: .drop) == "北京今天晴。", "split at \(cut)")
        }
    }

    @Test("with show_thinking the reasoning becomes a 💭 quote before the answer")
    func quote() {
        let shown = Self.run(["<think>第一步\n第二", "步</think>答案"], mode: .quote)
        #expect(shown == "> 💭 第一步\n> 第二步\n\n答案")
    }

    @Test("text without a leading <think> passes untouched, a tag mentioned later included")
    func untouched() {
        #expect(Self.run(["Use ", "<think> tags ", "like </think> this"], mode: .drop) == "Use <think> tags like </think> this")
        #expect(Self.run(["<thi", "s is not a tag"], mode: .drop) == "<this is not a tag")
        #expect(Self.run(["<", "b>bold</b>"], mode: .drop) == "<b>bold</b>")
    }

    @Test("an answer that ends inside an unfinished tag keeps what was held back")
    func unfinished() {
        #expect(Self.run(["<thin"], mode: .drop) == "<thin")
        #expect(Self.run(["<think>still thinking"], mode: .drop) == "")
    }
}
