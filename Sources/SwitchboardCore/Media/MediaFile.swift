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

    public init(kind: Kind, name: String, mimeType: String, size: Int, content: Content) {
        self.kind = kind
        self.name = name
        self.mimeType = mimeType
        self.size = size
        self.content = content
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
        url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-media-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw MediaError(.unavailable, "cannot create a temporary file in \(FileManager.default.temporaryDirectory.path)")
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
