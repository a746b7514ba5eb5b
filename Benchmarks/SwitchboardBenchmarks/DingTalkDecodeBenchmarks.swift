import Benchmark
import Foundation
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardDingTalk

/// DingTalk's group message of platforms.md §3a, as an HTTP callback through the adapter
/// (timestamp + sign checked, JSON, `ChatEvent`) and as a Stream CALLBACK frame (frame JSON, the
/// message JSON inside it, `ChatEvent`, the ack).
func dingTalkDecodeBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 1000
    )
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/dingtalk")
    let context = WebhookContext(now: Date(timeIntervalSince1970: 1_718_000_000.123), logger: Logger(label: "bench"))
    func adapter(_ mode: String) -> any ChatAdapter {
        let config = ["platform": "dingtalk", "mode": mode, "app_key": "dingf0apw4ibx5u5ktba", "app_secret": "fixtureAppSecret-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"]
        let node = ConfigNode(.map(config.sorted { $0.key < $1.key }.map { ($0.key, ConfigNode(.scalar($0.value))) }), path: "bots.dingtalk")
        // Fixed, valid configuration.
        return try! DingTalkAdapterFactory().makeAdapter(
            botID: "dingtalk", config: try! ConfigSection(node), environment: FactoryEnvironment(transport: NoTransport(), logger: Logger(label: "bench"))
        )
    }
    let http = adapter("http")
    var headers: HTTPFields = [.contentType: "application/json"]
    headers[HTTPField.Name("timestamp")!] = "1718000000123"
    headers[HTTPField.Name("sign")!] = "jgi4rdC90fRLOhQioM+Mzev8QeMqmKMc9MxaJNw9SPQ="
    let request = WebhookRequest(
        method: .post, url: "/webhooks/dingtalk", headers: headers, body: try! Data(contentsOf: folder.appendingPathComponent("http-group-at-text/body.json"))
    )
    Benchmark("DingTalk decode · signed HTTP callback (§3a)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(await http.handle(request, context: context))
        }
    }
    // A Stream adapter decodes frames.
    let stream = adapter("stream") as! any StreamFrameDecoding
    let frame = try! Data(contentsOf: folder.appendingPathComponent("stream-callback-frame/frame.json"))
    Benchmark("DingTalk decode · Stream CALLBACK frame + ack", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(stream.handleFrame(frame, now: context.now))
        }
    }
}
