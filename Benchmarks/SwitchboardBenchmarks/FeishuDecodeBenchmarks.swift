import Benchmark
import Foundation
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardFeishu

/// The encrypted event of platforms.md §6.2 through the adapter as the server runs it: signature
/// over the raw body, clock, AES, event JSON, the message's content JSON, `ChatEvent`. The
/// official Python SDK (lark-oapi) takes about 204 µs for decrypt + parse on this class of machine.
func feishuDecodeBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 1000
    )
    let context = WebhookContext(now: Date(timeIntervalSince1970: 1_718_000_000), logger: Logger(label: "bench"))
    let config: [String: String] = [
        "platform": "feishu", "app_id": "cli_a1b2c3d4e5f6a7b8", "app_secret": "bench", "verification_token": "v3rIfIcAtIoNtOkEnFaKe000",
        "encrypt_key": "fixtureEncryptKey2024", "bot_open_id": "ou_bot0000000000000000000000000000",
    ]
    let node = ConfigNode(.map(config.sorted { $0.key < $1.key }.map { ($0.key, ConfigNode(.scalar($0.value))) }), path: "bots.feishu-app")
    // Fixed, valid configuration.
    let adapter = try! FeishuAdapterFactory().makeAdapter(
        botID: "feishu-app", config: try! ConfigSection(node), environment: FactoryEnvironment(transport: NoTransport(), logger: Logger(label: "bench"))
    )
    var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
    headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = "1718000000"
    headers[HTTPField.Name("X-Lark-Request-Nonce")!] = "fixture-nonce-42"
    headers[HTTPField.Name("X-Lark-Signature")!] = "e90c09c332d3d18ef4ee27f63f72a29d3adedf2ffd6cdb24c5c652fcd43776ac"
    let body = try! Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/feishu/group-at-bot-encrypted/body.json"))
    let request = WebhookRequest(method: .post, url: "/webhooks/feishu-app", headers: headers, body: body)
    Benchmark("Feishu decode · encrypted group text (§6.2)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(await adapter.handle(request, context: context))
        }
    }
}
