/// One part of a message, in order. `ChatEvent.text` is the flattened text; segments keep what
/// text cannot say (who was mentioned where, which image, which link).
///
/// JSON form: an object with a `type` and the fields of that type, e.g.
/// `{"type": "text", "text": "你好"}`, `{"type": "mention", "id": "u1", "name": "Bot", "is_bot": true}`,
/// `{"type": "image", "media_id": "…", "url": "…"}`, `{"type": "link", "url": "…", "title": "…"}`,
/// `{"type": "quote", "text": "…", "message_id": "…"}`.
public enum Segment: Sendable, Equatable, Hashable {
    case text(String)
    case mention(Participant)
    case image(MediaReference)
    case file(MediaReference)
    case audio(MediaReference)
    case video(MediaReference)
    case link(url: String, title: String?)
    case quote(text: String, messageID: String?)
}

/// How to get hold of a piece of media the platform sent: its media id or download code, a URL,
/// or both. Fetching it is the adapter's business.
public struct MediaReference: Sendable, Codable, Equatable, Hashable {
    public var mediaID: String?
    public var url: String?
    public var name: String?
    /// For audio: the platform's speech recognition, when it sends one.
    public var transcript: String?
    /// A key the platform sent to decrypt this one file (the WeCom AI bot's per-URL `aeskey`).
    public var decryptionKey: String?

    public init(mediaID: String? = nil, url: String? = nil, name: String? = nil, transcript: String? = nil, decryptionKey: String? = nil) {
        self.mediaID = mediaID
        self.url = url
        self.name = name
        self.transcript = transcript
        self.decryptionKey = decryptionKey
    }

    enum CodingKeys: String, CodingKey {
        case mediaID = "media_id"
        case decryptionKey = "decryption_key"
        case url, name, transcript
    }
}

extension Segment: Codable {
    enum CodingKeys: String, CodingKey {
        case type, text, id, name
        case isBot = "is_bot"
        case url, title
        case messageID = "message_id"
    }

    private enum Kind: String, Codable {
        case text, mention, image, file, audio, video, link, quote
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .type)
        guard let kind = Kind(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "unknown segment type; expected text, mention, image, file, audio, video, link or quote"
            )
        }
        switch kind {
        case .text: self = .text(try c.decode(String.self, forKey: .text))
        case .mention: self = .mention(try Participant(from: decoder))
        case .image: self = .image(try MediaReference(from: decoder))
        case .file: self = .file(try MediaReference(from: decoder))
        case .audio: self = .audio(try MediaReference(from: decoder))
        case .video: self = .video(try MediaReference(from: decoder))
        case .link:
            self = .link(url: try c.decode(String.self, forKey: .url), title: try c.decodeIfPresent(String.self, forKey: .title))
        case .quote:
            self = .quote(
                text: try c.decode(String.self, forKey: .text),
                messageID: try c.decodeIfPresent(String.self, forKey: .messageID)
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text(let text):
            try c.encode(Kind.text, forKey: .type)
            try c.encode(text, forKey: .text)
        case .mention(let who):
            try c.encode(Kind.mention, forKey: .type)
            try who.encode(to: encoder)
        case .image(let media):
            try c.encode(Kind.image, forKey: .type)
            try media.encode(to: encoder)
        case .file(let media):
            try c.encode(Kind.file, forKey: .type)
            try media.encode(to: encoder)
        case .audio(let media):
            try c.encode(Kind.audio, forKey: .type)
            try media.encode(to: encoder)
        case .video(let media):
            try c.encode(Kind.video, forKey: .type)
            try media.encode(to: encoder)
        case .link(let url, let title):
            try c.encode(Kind.link, forKey: .type)
            try c.encode(url, forKey: .url)
            try c.encodeIfPresent(title, forKey: .title)
        case .quote(let text, let messageID):
            try c.encode(Kind.quote, forKey: .type)
            try c.encode(text, forKey: .text)
            try c.encodeIfPresent(messageID, forKey: .messageID)
        }
    }
}
