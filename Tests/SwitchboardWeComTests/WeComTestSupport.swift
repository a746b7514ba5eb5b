import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import SwitchboardWeCom

enum WeComTest {
    static let transport = AsyncHTTPClientTransport()
    static let token = WeComVectors.Fixture.token
    static let aesKey = WeComVectors.Fixture.key

    static func appConfig(api: String, _ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        [
            "platform": "wecom", "mode": "app", "corp_id": .string(FakeQyAPI.corpID), "agent_id": 1000002, "secret": .string(FakeQyAPI.secret),
            "token": .string(token), "encoding_aes_key": .string(aesKey), "api_base": .string(api),
        ].merging(extra) { _, new in new }
    }

    static func aibotConfig(_ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        ["platform": "wecom", "mode": "aibot", "token": .string(token), "encoding_aes_key": .string(aesKey), "bot_name": "AI助手"]
            .merging(extra) { _, new in new }
    }

    static func robotConfig(api: String, _ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        ["platform": "wecom", "mode": "robot", "webhook_key": .string(FakeQyAPI.robotKey), "api_base": .string(api)].merging(extra) { _, new in new }
    }

    static func adapter(_ config: [String: JSONValue], bot: String = "wecom-app") throws -> any ChatAdapter {
        let section = try ConfigSection(JSONValue.object(config).configNode(path: "bots.\(bot)", file: "test.yaml"))
        return try AdapterRegistry([WeComAdapterFactory()]).makeAdapter(
            botID: bot, config: section, environment: FactoryEnvironment(transport: transport, logger: Logger(label: "wecom-test"))
        )
    }

    static func context(
        store: any StateStore = InMemoryStateStore(), job: String = "job-1", attempt: Int = 1, logger: Logger = Logger(label: "wecom-test")
    ) -> DeliveryContext {
        DeliveryContext(
            transport: transport, idempotencyKey: job, attempt: attempt, replyState: ReplyStateHandle(store: store, jobID: job), logger: logger
        )
    }

    static func directEvent(bot: String = "wecom-app", sender: String = "zhangsan", timestamp: Date = Date(), address: [String: String] = [:]) -> ChatEvent {
        ChatEvent(
            id: "\(bot):m-\(UUID().uuidString)", platform: "wecom", bot: bot, conversation: Conversation(id: sender, type: .direct),
            sender: Participant(id: sender), text: "hi", timestamp: timestamp, replyAddress: ReplyAddress(address)
        )
    }
}
