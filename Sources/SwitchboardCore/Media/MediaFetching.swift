import Foundation

/// An adapter that can download what its users send (pictures, files, voice): the engine asks it,
/// when it works on the message — never in `receive`, which stays network-free — and gives the
/// files to the backend in ``BackendRequest/attachments``.
public protocol MediaFetching: Sendable {
    /// The most bytes one download may have (the bot's `max_media_bytes`).
    var maxMediaBytes: Int { get }
    /// Downloads `media` of `event`. Throws ``MediaError``: `.tooLarge` before the bytes are read
    /// when the platform says the size, or as soon as the limit is passed.
    func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile
}

/// Why a piece of media did not reach the backend, said for people.
public struct MediaError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Bigger than the bot's limit: not downloaded (or not further than the limit).
        case tooLarge(size: Int?, limit: Int)
        /// Gone or never there (an expired media id, a deleted message).
        case expired
        /// The platform refused (permissions, a chat the bot is not in).
        case refused
        /// Anything else: the network, a malformed answer.
        case unavailable
    }

    public var reason: Reason
    public var detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { detail }

    /// What the user is told, in Chinese (the platforms' users) with the size when it helps.
    public var userNotice: String {
        switch reason {
        case .tooLarge(let size, let limit):
            let sizeText = size.map { "（\(Self.megabytes($0))）" } ?? ""
            return "文件太大\(sizeText)，超过了 \(Self.megabytes(limit)) 的上限，没有处理。"
        case .expired: return "附件已过期或已被撤回，无法读取，请重新发送。"
        case .refused: return "没有权限读取这个附件，请联系管理员检查机器人的权限。"
        case .unavailable: return "附件下载失败，请稍后重新发送。"
        }
    }

    /// `15 MB`, `2.5 MB`, `512 KB`.
    static func megabytes(_ bytes: Int) -> String {
        guard bytes >= 1 << 20 else { return "\(max(1, Int((Double(bytes) / 1024).rounded()))) KB" }
        let megabytes = Double(bytes) / Double(1 << 20)
        return megabytes >= 10 || megabytes == megabytes.rounded() ? "\(Int(megabytes.rounded())) MB" : String(format: "%.1f MB", megabytes)
    }
}
