import Benchmark
import SwitchboardCore

/// Render + split of a 6 KB Chinese answer (headings, paragraphs, a table, a list, a code block,
/// sources) for each platform target: the work between a backend's answer and the outbound bodies.
func renderBenchmarks() {
    let reply = Reply(
        markdown: sixKilobyteAnswer,
        citations: [Citation(title: "差旅管理办法.pdf", score: 0.9), Citation(title: "报销常见问题.docx", score: 0.8)],
        suggestions: ["二线城市包括哪些？"]
    )
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 5000
    )
    for target in RenderTarget.builtIn where target.name != "generic" {
        Benchmark("render+split 6 KB · \(target.name)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(ReplyRenderer.render(reply, for: target))
            }
        }
    }
}

let sixKilobyteAnswer: String = {
    let paragraph = "根据公司差旅制度，员工出差期间产生的交通、住宿和餐饮费用可以按标准报销。报销需要在出差结束后三十天内提交，并附上完整的发票和行程单。超过标准的部分需要部门负责人额外审批。"
    var text = "# 差旅报销指南\n\n"
    for section in 1...4 {
        text += "## 第\(section)节 说明\n\n\(paragraph)**注意**：请保留原始票据，详见[制度全文](https://kb.example.com/travel)。\n\n"
    }
    text += "| 城市级别 | 住宿标准 | 餐饮补助 |\n| --- | --: | --: |\n"
    text += (1...12).map { "| 城市\($0) | \(300 + $0 * 20) 元 | 100 元 |" }.joined(separator: "\n") + "\n\n"
    text += (1...8).map { "- 第\($0)步：\(paragraph.prefix(30))" }.joined(separator: "\n") + "\n\n"
    text += "```python\n" + (1...25).map { "total += claims[\($0)]  # 第\($0)项" }.joined(separator: "\n") + "\n```\n"
    return text
}()
