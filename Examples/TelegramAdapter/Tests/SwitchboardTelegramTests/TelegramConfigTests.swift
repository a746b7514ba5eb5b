import Foundation
import Logging
import SwitchboardCore
import SwitchboardTelegram
import SwitchboardTesting
import Testing

/// Settings are checked when the bot is built, and errors name the key, never the value.
@Suite("Telegram settings")
struct TelegramConfigTests {
    func build(_ fields: [String: String]) throws -> any ChatAdapter {
        var config: [String: JSONValue] = [
            "platform": "telegram", "bot_token": "7000000001:AAsecret-part", "secret_token": "a-good_secret", "bot_username": "@my_bot",
        ]
        for (key, value) in fields { config[key] = .string(value) }
        let section = try ConfigSection(JSONValue.object(config).configNode(path: "bots.tg", file: "test.yaml"))
        return try AdapterRegistry([TelegramAdapterFactory()]).makeAdapter(
            botID: "tg", config: section, environment: FactoryEnvironment(transport: RecordingTransport(), logger: Logger(label: "test"))
        )
    }

    @Test("a good section builds a streaming MarkdownV2 adapter")
    func good() throws {
        let adapter = try build([:])
        #expect(adapter.platform == "telegram")
        #expect(adapter.capabilities.markdownDialect == .telegramMarkdownV2)
        #expect(adapter.capabilities.streaming == .editInPlace)
    }

    @Test("bad values are refused naming the key and not the value", arguments: [
        ("bot_token", "not-a-token-value", "bots.tg.bot_token: is not a Bot API token"),
        ("secret_token", "has spaces and ünïcode", "bots.tg.secret_token: must be 1–256 characters"),
        ("update_interval", "50ms", "bots.tg.update_interval: must be at least 300ms"),
        ("api_base", "ftp://files.example", "bots.tg.api_base: must be an http(s) URL"),
        ("bot_usernme", "typo", "bots.tg.bot_usernme"),
    ])
    func bad(key: String, value: String, message: String) throws {
        let error = #expect(throws: ConfigError.self) { try build([key: value]) }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains(message), "\(text)")
        #expect(!text.contains(value) || key == "bot_usernme", "the value leaked: \(text)")
    }
}
