public import SwitchboardCore

/// `platform: dingtalk`, with `mode: stream` (the default: an app robot over DingTalk's Stream
/// gateway), `http` (an app robot that DingTalk calls) or `robot` (a group's custom robot,
/// send-only). The keys of each mode are in `Adapters/DingTalk/README.md`.
public struct DingTalkAdapterFactory: AdapterFactory {
    public static let platformName = "dingtalk"
    public static let modes = ["stream", "http", "robot"]

    public init() {}
    public var platform: String { Self.platformName }

    public func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
        switch try config.string("mode", default: "stream") {
        case "stream": return try DingTalkAppAdapter(botID: botID, mode: .stream, config: config, environment: environment)
        case "http": return try DingTalkAppAdapter(botID: botID, mode: .http, config: config, environment: environment)
        case "robot": return try DingTalkRobotAdapter(botID: botID, config: config)
        default: throw config.error("mode", "must be one of \(Self.modes.joined(separator: ", "))")
        }
    }

    /// `api_base` / `gateway_base`: DingTalk's OpenAPI host unless a URL is given (a proxy, or a
    /// loopback server in tests).
    static func base(_ config: ConfigSection, key: String, default fallback: String = DingTalkAPI.defaultBase) throws -> String {
        guard let url = try config.optionalURL(key) else { return fallback }
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
