import Benchmark
import Foundation
import Logging
import SwitchboardCore
import SwitchboardWeCom

/// A WeCom webhook through the adapter as the server runs it — signature, AES, XML or JSON,
/// `ChatEvent` — for the self-built app's encrypted text (platforms.md §6.1) and the AI bot's
/// encrypted group text (the ack's encryption included). The widely used Python SDK (wechatpy)
/// takes about 166 µs for verify + decrypt + parse on this class of machine.
func weComDecodeBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 1000
    )
    let context = WebhookContext(now: Date(timeIntervalSince1970: 1_718_000_000), logger: Logger(label: "bench"))
    let keys = ["token": "QDG6eK", "encoding_aes_key": "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"]
    let app = makeAdapter("wecom-app", keys.merging(["mode": "app", "corp_id": "wwfa6c0ffee1234567", "agent_id": "1000002", "secret": "bench"]) { $1 })
    let aibot = makeAdapter("wecom-aibot", keys.merging(["mode": "aibot", "bot_name": "AI助手"]) { $1 })
    let appRequest = WebhookRequest(
        method: .post,
        url: "/webhooks/wecom-app?msg_signature=66127e616dc6c4af3518419eb04b3b819935baa6&timestamp=1718000000&nonce=1372623149",
        body: Data(
            "<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><Encrypt><![CDATA[\(appEncrypt)]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>".utf8
        )
    )
    let aibotRequest = WebhookRequest(
        method: .post,
        url: "/webhooks/wecom-aibot?msg_signature=450c7d0546cc053246fdb110812969a5be5fa496&timestamp=1718000000&nonce=1372623149",
        body: Data(#"{"encrypt":"\#(aibotEncrypt)"}"#.utf8)
    )
    Benchmark("WeCom decode · app XML text", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(await app.handle(appRequest, context: context))
        }
    }
    Benchmark("WeCom decode · AI-bot JSON text (+ encrypted ack)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(await aibot.handle(aibotRequest, context: context))
        }
    }
}

private func makeAdapter(_ bot: String, _ config: [String: String]) -> any ChatAdapter {
    let node = ConfigNode(.map((["platform": "wecom"].merging(config) { $1 }).map { ($0.key, ConfigNode(.scalar($0.value))) }), path: "bots.\(bot)")
    // Fixed, valid configuration.
    return try! WeComAdapterFactory().makeAdapter(
        botID: bot, config: try! ConfigSection(node), environment: FactoryEnvironment(transport: NoTransport(), logger: Logger(label: "bench"))
    )
}

private let appEncrypt = "aew5qt4WEE28tWP2qy6oIuy9mbkqGSw/ceZayI046vLXTJC5FFc4lnQ6cakj/a91HcOmOGUsUy/R7BmpQY37dz/KDdMMICyA+fOPrhhLXgSOSlWnMP002oxQkFz+UKiEIb0a0Y6Km1TG0SJRfPk4bLDi0JhVlipKKO7bkZ5R9+i6M4TrFPRgBkHh5YObP+mhqbhoDS017JhrHGUkIyjPHiZvXkw9DR8dvDlcOCgvAvCnKaYaWb/rHa3TNqmvaDD4JJIQm3rjKllUCT3YUAZCN27n3uxSFdVCSZ1WlR64fWgsiCOTz5vRsN8HtUQfZjVgUrgv9cTKxYg7nWjxgajlDuYyD5dxOWpLr8i5k2QqgadurLkETH+MsWlQ9lpYYa8rQI6LAM67B2pXvWJNhrnSzyNqOAMf8+3n6EUDRBkgUvmZrGXnvKZnEkTfqHvOPwdjY0QI1XdXkxaYo2ITIeVq7Q=="
private let aibotEncrypt = "aew5qt4WEE28tWP2qy6oIod7qerZ9aJhgYW3RBGm8t+LLXdKaOrHA7jU+wkb/WVJgU3/aJWhIZH0+BUbsWKNVFKrnvq+1rLshE/dqseATcGOvbLMQfZ4i0GE0qQwSMUAB3vzstVWPUBd6uMvTNjzzXacnaS/JQLZV51cCYSyCvXYfZsqStFQYIejvclvT9Vn5qgN/1LUUDbUyjwImylsO3e/XvqeXkLeXa+BHtggm5tb7Hkc5DKijINI1+CuqkurJt5kg+5jKv0knvJwRDIoeXuZ0f8frMhIksluIG3e77A3g88K7MqBkEmLC9Gicu5obmf1+qWyZJ5HSfWbHzh5tcynYlwH+u5y/Jz+5y1sCQ8NHwbT/tVUYM4Dd/2O2LaUHzZTsWFN+87dyd46gpBZgOqeks/FZIc5g6VPt4TdeSa3WQnNTvzO/uLsnnsa1PhdVOX7QzFyyDZo4A4Ucq2jYOodt18cYavcDLWySfqm3gnlFhoNBrjYBH1+cCtv6g/D"
