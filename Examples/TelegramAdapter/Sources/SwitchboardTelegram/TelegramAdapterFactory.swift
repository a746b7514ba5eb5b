import Foundation
public import SwitchboardCore

/// `platform: telegram`:
///
/// ```yaml
/// bots:
///   tg:
///     platform: telegram
///     bot_token: ${TELEGRAM_BOT_TOKEN}      # from @BotFather: <bot id>:<secret>
///     secret_token: ${TELEGRAM_SECRET}      # the secret_token given to setWebhook
///     bot_username: switchboard_demo_bot    # for @mentions and /command@botname in groups
///     update_interval: 1500ms               # how often a streaming answer is edited (default)
///     placeholder: "…"                      # the first message, before the answer starts
///     api_base: https://api.telegram.org    # a local Bot API server, or a test's fake
/// ```
public struct TelegramAdapterFactory: AdapterFactory {
    public var platform: String { TelegramAdapter.platformName }

    public init() {}

    public func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
        let token = try config.string("bot_token")
        // The bot's own user id is the number before the colon; it tells replies to the bot apart.
        guard let colon = token.firstIndex(of: ":"), let userID = Int64(token[..<colon]), token.index(after: colon) < token.endIndex else {
            throw config.error("bot_token", "is not a Bot API token (<bot id>:<secret>, as @BotFather gives it)")
        }
        let secret = try config.string("secret_token")
        // setWebhook accepts 1–256 characters A–Z, a–z, 0–9, _ and -.
        guard (1...256).contains(secret.count), secret.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw config.error("secret_token", "must be 1–256 characters of A–Z, a–z, 0–9, _ and - (what setWebhook accepts)")
        }
        var username = try config.string("bot_username")
        if username.hasPrefix("@") { username.removeFirst() }
        guard !username.isEmpty else { throw config.error("bot_username", "is empty; give the bot's username without @") }
        let apiBase = try config.string("api_base", default: "https://api.telegram.org")
        guard let url = URL(string: apiBase), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw config.error("api_base", "must be an http(s) URL such as https://api.telegram.org")
        }
        let interval = try config.duration("update_interval", default: .milliseconds(1500))
        guard interval >= .milliseconds(300) else {
            throw config.error("update_interval", "must be at least 300ms: Telegram limits how often a bot may edit (about one message per second per chat)")
        }
        return TelegramAdapter(
            botID: botID, token: token, secretToken: secret, identity: TelegramBotIdentity(userID: userID, username: username),
            apiBase: apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase, updateInterval: interval,
            placeholder: try config.string("placeholder", default: "…")
        )
    }
}
