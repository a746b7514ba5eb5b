public import Foundation
public import SwitchboardCore

/// A message to a generic bot, the one builder of the test suites: as the ``ChatEvent`` an engine
/// accepts, and as the Event JSON a generic webhook takes (sign it with `GenericSignature`).
///
/// ```swift
/// _ = try await engine.accept([GenericMessage("m1", "ping").event])
/// try await client.post(GenericMessage("m1", "ping", chat: "room-1", group: true, mention: true).body)
/// ```
public struct GenericMessage: Sendable {
    public var id: String
    public var text: String
    public var bot: String
    public var chat: String
    public var group: Bool
    public var sender: String
    public var mention: Bool
    /// The message's own id on the platform (`message_id`), if the test needs one.
    public var messageID: String?
    public var replyTo: String?
    public var quote: String?
    public var principal: String?
    /// 2024-06-10, the same instant in every test.
    public var timestamp = Date(unixMilliseconds: 1_718_000_000_000)

    public init(
        _ id: String, _ text: String, bot: String = "bot", chat: String = "c1", group: Bool = false, sender: String = "u1", mention: Bool = false,
        messageID: String? = nil, replyTo: String? = nil, quote: String? = nil, principal: String? = nil
    ) {
        self.id = id
        self.text = text
        self.bot = bot
        self.chat = chat
        self.group = group
        self.sender = sender
        self.mention = mention
        self.messageID = messageID
        self.replyTo = replyTo
        self.quote = quote
        self.principal = principal
    }

    /// The event as the generic adapter makes it (`<bot>:<id>`).
    public var event: ChatEvent {
        ChatEvent(
            id: "\(bot):\(id)", platform: "generic", bot: bot, conversation: Conversation(id: chat, type: group ? .group : .direct),
            sender: Participant(id: sender), text: text, mentionsBot: mention, messageID: messageID, timestamp: timestamp,
            replyTo: replyTo, quote: quote, principal: principal
        )
    }

    /// The webhook body: the generic adapter's Event JSON.
    public var body: Data {
        var json: [String: Any] = [
            "id": id, "platform": "generic", "conversation": ["id": chat, "type": group ? "group" : "direct"],
            "sender": ["id": sender], "text": text, "timestamp": Int(timestamp.timeIntervalSince1970 * 1000),
        ]
        if mention { json["mentions_bot"] = true }
        if let messageID { json["message_id"] = messageID }
        if let replyTo { json["reply_to"] = replyTo }
        if let quote { json["quote"] = quote }
        return try! JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    }
}
