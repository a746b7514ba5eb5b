import Foundation
import SwitchboardCore

/// The JSON WeCom is sent, field names as WeCom spells them (platforms.md §1b, §1c.2, §1d).
enum WeComPayloads {
    struct Content: Codable, Equatable {
        var content: String
    }

    /// `message/send` of a self-built app.
    struct AppMessage: Encodable {
        var touser: String
        var msgtype: String
        var agentid: Int
        var text: Content?
        var markdown: Content?
        var image: Media?
        var file: Media?
        /// 1: WeCom drops this message if the same content went to the same user within the
        /// interval (doc 90236; that the check compares content is the doc's wording, not
        /// confirmed by a capture).
        var enableDuplicateCheck: Int?
        var duplicateCheckInterval: Int?

        enum CodingKeys: String, CodingKey {
            case touser, msgtype, agentid, text, markdown, image, file
            case enableDuplicateCheck = "enable_duplicate_check"
            case duplicateCheckInterval = "duplicate_check_interval"
        }
    }

    struct Media: Codable, Equatable {
        var mediaID: String

        enum CodingKeys: String, CodingKey {
            case mediaID = "media_id"
        }
    }

    /// `message/send` of an uploaded image or file (platforms-2.md §4.1, `msgtype` `image` or
    /// `file`, each `{"media_id"}`); `duplicateCheck` as for text.
    static func appMedia(_ msgtype: String, touser: String, agentID: Int, mediaID: String, duplicateCheck: Int? = nil) throws -> Data {
        try encode(AppMessage(
            touser: touser, msgtype: msgtype, agentid: agentID,
            image: msgtype == "image" ? Media(mediaID: mediaID) : nil, file: msgtype == "file" ? Media(mediaID: mediaID) : nil,
            enableDuplicateCheck: duplicateCheck.map { _ in 1 }, duplicateCheckInterval: duplicateCheck
        ))
    }

    /// `message/send`'s body; `duplicateCheck` (seconds) turns WeCom's duplicate check on.
    static func appMessage(touser: String, agentID: Int, type: WeComAppAdapter.MessageType, content: String, duplicateCheck: Int? = nil) throws -> Data {
        let body = AppMessage(
            touser: touser, msgtype: type.rawValue, agentid: agentID,
            text: type == .text ? Content(content: content) : nil, markdown: type == .markdown ? Content(content: content) : nil,
            enableDuplicateCheck: duplicateCheck.map { _ in 1 }, duplicateCheckInterval: duplicateCheck
        )
        return try encode(body)
    }

    /// An AI bot's stream frame: the whole text so far (not a delta), `finish` on the last one.
    struct StreamFrame: Codable, Equatable {
        struct Stream: Codable, Equatable {
            var id: String
            var finish: Bool
            var content: String
        }

        var msgtype = "stream"
        var stream: Stream
        /// Pictures, on the finishing frame only (platforms-2.md §2.5).
        var images: [WeComStreamImages.Item] = []

        init(id: String, finish: Bool, content: String, images: [WeComStreamImages.Item] = []) {
            stream = Stream(id: id, finish: finish, content: content)
            self.images = finish ? images : []
        }

        var json: JSONValue {
            var stream: [String: JSONValue] = ["id": .string(self.stream.id), "finish": .bool(self.stream.finish), "content": .string(self.stream.content)]
            if !images.isEmpty { stream["msg_item"] = .array(images.map(\.json)) }
            return ["msgtype": .string(msgtype), "stream": .object(stream)]
        }
    }

    /// `{"msgtype": "text" | "markdown", …}` for an AI bot's `response_url` and welcome replies.
    struct SimpleMessage: Encodable {
        var msgtype: String
        var text: Content?
        var markdown: Content?

        static func markdown(_ content: String) -> SimpleMessage { SimpleMessage(msgtype: "markdown", markdown: Content(content: content)) }
        static func text(_ content: String) -> SimpleMessage { SimpleMessage(msgtype: "text", text: Content(content: content)) }

        var json: JSONValue {
            var object: [String: JSONValue] = ["msgtype": .string(msgtype)]
            if let text { object["text"] = ["content": .string(text.content)] }
            if let markdown { object["markdown"] = ["content": .string(markdown.content)] }
            return .object(object)
        }
    }

    /// A group robot's message (`webhook/send`).
    struct RobotMessage: Encodable {
        struct Text: Encodable {
            var content: String
            var mentionedList: [String]?
            var mentionedMobileList: [String]?

            enum CodingKeys: String, CodingKey {
                case content
                case mentionedList = "mentioned_list"
                case mentionedMobileList = "mentioned_mobile_list"
            }
        }

        var msgtype: String
        var text: Text?
        var markdown: Content?
        var markdownV2: Content?

        enum CodingKeys: String, CodingKey {
            case msgtype, text, markdown
            case markdownV2 = "markdown_v2"
        }
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
