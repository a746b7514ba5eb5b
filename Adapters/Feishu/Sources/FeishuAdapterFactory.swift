public import SwitchboardCore

/// `platform: feishu` (Feishu and Lark), with `mode: app` (the default: a self-built app) or
/// `webhook` (a group's custom bot, send-only). The keys of each mode are in
/// `Adapters/Feishu/README.md`.
public struct FeishuAdapterFactory: AdapterFactory {
    public static let platformName = "feishu"
    public static let modes = ["app", "webhook"]

    public init() {}
    public var platform: String { Self.platformName }

    public func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
        switch try config.string("mode", default: "app") {
        case "app": return try FeishuAppAdapter(botID: botID, config: config, environment: environment)
        case "webhook": return try FeishuWebhookAdapter(botID: botID, config: config)
        default: throw config.error("mode", "must be one of \(Self.modes.joined(separator: ", "))")
        }
    }

    /// `host`: `feishu` (default), `lark`, or a URL (a loopback server in tests).
    static func host(_ config: ConfigSection) throws -> String {
        switch try config.optionalString("host") {
        case nil, "feishu": return FeishuAPI.feishuHost
        case "lark": return FeishuAPI.larkHost
        default:
            guard let url = try config.optionalURL("host"), url.scheme == "https" || url.scheme == "http" else {
                throw config.error("host", "must be feishu, lark or an https URL")
            }
            var text = url.absoluteString
            while text.hasSuffix("/") { text.removeLast() }
            return text
        }
    }
}
