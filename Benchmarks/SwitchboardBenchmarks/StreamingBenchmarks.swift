import Benchmark
import Foundation
import SwitchboardCore

/// The CPU an adapter spends on one streamed answer: a 20 KB answer arriving in 2-character
/// deltas, shown in place as it grows (`ReplyStream.collect(showingPartialsFor:)`, what the Feishu
/// card and the WeCom AI-bot stream deliveries run) and rendered whole at the end. The deltas
/// arrive as fast as the loop reads them, so the throttle decides how many partial renders run;
/// "every update" lets the throttle pass each 40 bytes of growth, the worst case for a slow,
/// steady model.
func streamingBenchmarks() {
    let deltas = twentyKilobyteAnswer.twoCharacterDeltas
    let configuration = Benchmark.Configuration(
        metrics: [.cpuTotal, .wallClock], timeUnits: .milliseconds, scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 200
    )
    let cases: [(String, RenderTarget, StreamThrottle)] = [
        ("Feishu card", .feishuCard, StreamThrottle(minimumInterval: .milliseconds(500))),
        ("WeCom stream", .wecomStream, StreamThrottle()),
        ("Feishu card, every update", .feishuCard, StreamThrottle(minimumInterval: .zero)),
        ("WeCom stream, every update", .wecomStream, StreamThrottle(minimumInterval: .zero)),
    ]
    for (name, target, throttle) in cases {
        Benchmark("stream 20 KB in 2-char deltas · \(name)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                var updates = 0
                let answer = try await ReplyStream(chunks: deltas).collect(showingPartialsFor: target, throttle: throttle) { text in
                    updates += 1
                    blackHole(text)
                }
                blackHole(ReplyRenderer.render(answer, for: target))
                blackHole(updates)
            }
        }
    }
}

let twentyKilobyteAnswer: String = {
    var text = ""
    var section = 0
    while text.utf8.count < 20_000 {
        section += 1
        text += sixKilobyteAnswer.replacingOccurrences(of: "# 差旅报销指南", with: "# 差旅报销指南（\(section)）") + "\n"
    }
    return text
}()

extension String {
    /// The text as a backend streams it: two characters per `.delta`, then `.end`.
    var twoCharacterDeltas: [ReplyChunk] {
        var chunks: [ReplyChunk] = []
        var index = startIndex
        while index < endIndex {
            let next = self.index(index, offsetBy: 2, limitedBy: endIndex) ?? endIndex
            chunks.append(.delta(String(self[index..<next])))
            index = next
        }
        return chunks + [.end]
    }
}
