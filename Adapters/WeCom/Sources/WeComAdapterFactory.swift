public import SwitchboardCore

/// `platform: wecom`, with `mode: app` (self-built app), `aibot` (智能机器人) or `robot` (group
/// robot webhook, send-only). The keys of each mode are in `Adapters/WeCom/README.md`.
public struct WeComAdapterFactory: AdapterFactory {
    public static let platformName = "wecom"
    public static let modes = ["app", "aibot", "robot"]

    public init() {}
    public var platform: String { Self.platformName }

    public func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
        switch try config.string("mode") {
        case "app": return try WeComAppAdapter(botID: botID, config: config)
        case "aibot":
            switch try config.string("intake", default: "webhook") {
            case "webhook": return try WeComAIBotAdapter(botID: botID, config: config)
            case "websocket": return try WeComAIBotSocketAdapter(botID: botID, config: config, environment: environment)
            default: throw config.error("intake", "must be webhook (WeCom calls this server) or websocket (the AI bot's long connection)")
            }
        case "robot": return try WeComRobotAdapter(botID: botID, config: config)
        default: throw config.error("mode", "must be one of \(Self.modes.joined(separator: ", "))")
        }
    }

    /// The crypto of a callback mode, with a config error naming the key when the AES key is wrong.
    static func crypto(_ config: ConfigSection, receiveID: String) throws -> WeComCrypto {
        let token = try config.string("token")
        let key = try config.string("encoding_aes_key")
        do {
            return try WeComCrypto(token: token, encodingAESKey: key, receiveID: receiveID)
        } catch {
            throw config.error("encoding_aes_key", "must be the 43-character EncodingAESKey from the WeCom console")
        }
    }

    static func callback(_ config: ConfigSection, receiveID: String) throws -> WeComCallback {
        WeComCallback(
            crypto: try crypto(config, receiveID: receiveID),
            maxClockSkew: try config.duration("max_clock_skew", default: .seconds(300))
        )
    }

    static func apiBase(_ config: ConfigSection) throws -> String {
        guard let url = try config.optionalURL("api_base") else { return WeComAPI.defaultBase }
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
