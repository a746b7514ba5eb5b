/// What a person did to something the bot sent: pressed a button or chose an option on a card,
/// submitted a card's form, or rated an answer. Carried by `card_action` and `feedback` events.
///
/// JSON form (the `action` key of Event JSON):
/// `{"value": "approve", "inputs": {"reason": "ok"}, "target": "task-1", "rating": "like"}` — only
/// `value` is required.
public struct ChatAction: Sendable, Codable, Equatable, Hashable {
    /// The value the pressed control carried (a WeCom `event_key`, a Feishu callback value, a
    /// DingTalk action id), or for feedback the platform's feedback id.
    public var value: String
    /// A form's or a card's selections by field name (several options joined by `,`).
    public var inputs: [String: String]
    /// What the action belongs to: the card or message the bot sent (a WeCom `task_id`, a Feishu
    /// `open_message_id`, a DingTalk `outTrackId`).
    public var target: String?
    /// For feedback: `like`, `dislike`, or `cancel` (the rating taken back).
    public var rating: Rating?

    public enum Rating: String, Sendable, Codable, Hashable {
        case like, dislike, cancel
    }

    public init(value: String, inputs: [String: String] = [:], target: String? = nil, rating: Rating? = nil) {
        self.value = value
        self.inputs = inputs
        self.target = target
        self.rating = rating
    }

    enum CodingKeys: String, CodingKey {
        case value, inputs, target, rating
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        value = try c.decode(String.self, forKey: .value)
        inputs = try c.decodeIfPresent([String: String].self, forKey: .inputs) ?? [:]
        target = try c.decodeIfPresent(String.self, forKey: .target)
        rating = try c.decodeIfPresent(Rating.self, forKey: .rating)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        if !inputs.isEmpty { try c.encode(inputs, forKey: .inputs) }
        try c.encodeIfPresent(target, forKey: .target)
        try c.encodeIfPresent(rating, forKey: .rating)
    }
}
