public import Foundation

/// A picture, file, voice note or video a user sent, downloaded by its adapter for a backend:
/// the bytes (in memory, or in a temporary file above ``MediaFile/memoryLimit``), the content type
/// sniffed from the bytes, a file name and the size.
public struct MediaFile: Sendable {
    public enum Kind: String, Sendable, Codable {
        case image, file, audio, video
    }

    /// Where the bytes are.
    public enum Content: Sendable {
        case bytes(Data)
        case file(TemporaryFile)
    }

    /// Downloads larger than this go to a temporary file instead of memory.
    public static let memoryLimit = 1 << 20

    public var kind: Kind
    public var name: String
    /// Sniffed from the bytes (``MediaSniffer``); the platform's word only when the bytes say
    /// nothing.
    public var mimeType: String
    public var size: Int
    public var content: Content
    /// Where the bytes came from, when fetching them needs no credentials and no decryption (a
    /// pre-signed download, a public link): a backend may pass this URL on instead of the bytes
    /// (Dify's `remote_url`). Nil for downloads that need a token or a key.
    public var sourceURL: String?

    public init(kind: Kind, name: String, mimeType: String, size: Int, content: Content, sourceURL: String? = nil) {
        self.kind = kind
        self.name = name
        self.mimeType = mimeType
        self.size = size
        self.content = content
        self.sourceURL = sourceURL
    }

    /// Bytes already in hand (a decrypted download): typed from the bytes, moved to a temporary
    /// file above ``memoryLimit``.
    public static func make(kind: Kind, name: String?, data: Data, platformMimeType: String? = nil) throws -> MediaFile {
        let given = name.flatMap { $0.isEmpty ? nil : $0 }
        let mimeType = MediaSniffer.mimeType(of: data.prefix(64), name: given ?? "") ?? platformMimeType ?? "application/octet-stream"
        let content: Content
        if data.count > memoryLimit {
            let file = try TemporaryFile()
            try data.write(to: file.url)
            content = .file(file)
        } else {
            content = .bytes(data)
        }
        return MediaFile(kind: kind, name: Self.name(given, kind: kind, mimeType: mimeType), mimeType: mimeType, size: data.count, content: content)
    }

    /// The name given (its last path component), or `<kind>.<extension of the type>`.
    public static func name(_ given: String?, kind: Kind, mimeType: String) -> String {
        given.flatMap(ContentDisposition.sanitized) ?? "\(kind.rawValue).\(MediaSniffer.fileExtension(for: mimeType))"
    }

    /// The bytes, read from the temporary file if that is where they are.
    public func data() throws -> Data {
        switch content {
        case .bytes(let data): data
        case .file(let file): try Data(contentsOf: file.url, options: .mappedIfSafe)
        }
    }
}

/// A temporary file that is removed when the last reference to it goes.
public final class TemporaryFile: Sendable {
    public let url: URL

    /// A new empty file in the system's temporary folder, readable by this user only.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(Self.prefix + UUID().uuidString)
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw MediaError(.unavailable, "cannot create a temporary file in \(FileManager.default.temporaryDirectory.path)")
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    static let prefix = "switchboard-media-"

    /// Removes the temporary media files a process that did not end cleanly (`kill -9`) left
    /// behind, older than `age` (a running replica's own are younger); returns how many.
    @discardableResult
    public static func removeStale(olderThan age: TimeInterval = 3600, now: Date = Date()) -> Int {
        let folder = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            let url = folder.appendingPathComponent(name)
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > age
            else { continue }
            if (try? FileManager.default.removeItem(at: url)) != nil { removed += 1 }
        }
        return removed
    }
}
