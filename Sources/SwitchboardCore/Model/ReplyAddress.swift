/// What an adapter needs later to answer an event — a DingTalk sessionWebhook and its expiry, a
/// Feishu message_id, a WeCom AI-bot response_url — as a small flat string map.
///
/// It is persisted with the job and appears in the Event JSON as `reply_address`, so it must stay
/// small and must never hold a secret. Each adapter owns its own keys.
public struct ReplyAddress: Sendable, Codable, Equatable, Hashable {
    public var fields: [String: String]

    public init(_ fields: [String: String] = [:]) {
        self.fields = fields
    }

    public subscript(key: String) -> String? {
        get { fields[key] }
        set { fields[key] = newValue }
    }

    public var isEmpty: Bool { fields.isEmpty }

    public init(from decoder: any Decoder) throws {
        fields = try decoder.singleValueContainer().decode([String: String].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(fields)
    }
}
