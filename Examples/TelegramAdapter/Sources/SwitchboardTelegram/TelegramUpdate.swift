/// The parts of a Bot API `Update` the adapter reads (https://core.telegram.org/bots/api#update).
/// Unknown fields are ignored; an update of a kind the adapter does not answer (`edited_message`,
/// `channel_post`, `callback_query`, …) decodes with `message` nil and is acknowledged with no
/// event.
struct TelegramUpdate: Decodable, Sendable {
    var updateID: Int64
    var message: Message?

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id"
        case message
    }

    struct Message: Decodable, Sendable {
        var messageID: Int64
        var messageThreadID: Int64?
        var isTopicMessage: Bool?
        var from: User?
        var chat: Chat
        /// Unix seconds.
        var date: Int64
        var text: String?
        var entities: [Entity]?
        /// A photo's, document's or video's text, with its own entities.
        var caption: String?
        var captionEntities: [Entity]?
        var replyToMessage: Reply?
        var photo: [PhotoSize]?
        var document: Document?
        var voice: FileRef?
        var audio: Document?
        var video: Document?

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id"
            case messageThreadID = "message_thread_id"
            case isTopicMessage = "is_topic_message"
            case from, chat, date, text, entities, caption
            case captionEntities = "caption_entities"
            case replyToMessage = "reply_to_message"
            case photo, document, voice, audio, video
        }
    }

    /// The message replied to (only what is needed: who sent it and its text).
    struct Reply: Decodable, Sendable {
        var messageID: Int64
        var from: User?
        var text: String?
        var caption: String?

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id"
            case from, text, caption
        }
    }

    struct User: Decodable, Sendable {
        var id: Int64
        var isBot: Bool
        var firstName: String
        var lastName: String?
        var username: String?

        enum CodingKeys: String, CodingKey {
            case id
            case isBot = "is_bot"
            case firstName = "first_name"
            case lastName = "last_name"
            case username
        }

        var displayName: String {
            [firstName, lastName ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        }
    }

    struct Chat: Decodable, Sendable {
        var id: Int64
        /// `private`, `group`, `supergroup` or `channel`.
        var type: String
        var title: String?
    }

    /// A `MessageEntity`: offset and length count UTF-16 code units of the text.
    struct Entity: Decodable, Sendable {
        var type: String
        var offset: Int
        var length: Int
        /// For `text_mention`: the user mentioned (one without a username).
        var user: User?
    }

    struct PhotoSize: Decodable, Sendable {
        var fileID: String
        var width: Int
        var height: Int

        enum CodingKeys: String, CodingKey {
            case fileID = "file_id"
            case width, height
        }
    }

    struct Document: Decodable, Sendable {
        var fileID: String
        var fileName: String?

        enum CodingKeys: String, CodingKey {
            case fileID = "file_id"
            case fileName = "file_name"
        }
    }

    struct FileRef: Decodable, Sendable {
        var fileID: String

        enum CodingKeys: String, CodingKey {
            case fileID = "file_id"
        }
    }
}
