import Crypto
import Foundation
import Logging
import SwitchboardCore

/// Pictures of an AI-bot answer, carried by its finishing stream frame (platforms-2.md §2.5,
/// §4.2): `msg_item` takes up to 10 `{msgtype: image, image: {base64, md5}}` — JPG or PNG, ≤ 10 MB
/// each before base64, md5 of the raw bytes — and only with `finish: true`. Each `![](https://…)`
/// of the answer is fetched and, when it is such a picture, moves from the text into `msg_item`;
/// one that cannot stays a link. The bytes are kept in reply state with the finished frame (a poll
/// on any replica reads them there), so they are bounded as a whole too.
struct WeComStreamImages {
    struct Item: Codable, Equatable, Sendable {
        var base64: String
        var md5: String

        var json: JSONValue { ["msgtype": "image", "image": ["base64": .string(base64), "md5": .string(md5)]] }
    }

    static let maxItems = 10
    static let imageLimit = 10 << 20
    /// What one answer's pictures may add up to (before base64), kept in the store with the frame.
    static let totalLimit = 20 << 20

    /// The answer without the pictures that became items, and the items.
    static func resolving(_ answer: Reply, transport: any HTTPTransport, logger: Logger, botID: String) async -> (answer: Reply, items: [Item]) {
        var items: [Item] = []
        var moved: Set<String> = []
        var total = 0
        for url in MarkdownImages.urls(in: answer.markdown).prefix(maxItems) {
            do {
                let image = try await MediaDownload.picture(at: url, limit: imageLimit, transport: transport)
                guard ["image/jpeg", "image/png"].contains(image.mimeType) else {
                    throw MediaError(.unavailable, "WeCom shows JPG and PNG pictures in a stream; this one is \(image.mimeType)")
                }
                guard total + image.size <= totalLimit else {
                    throw MediaError(.tooLarge(size: total + image.size, limit: totalLimit), "the answer's pictures pass \(totalLimit >> 20) MB together")
                }
                let data = try image.data()
                total += data.count
                let md5 = Insecure.MD5.hash(data: data).map { String(format: "%02x", $0) }.joined()
                items.append(Item(base64: data.base64EncodedString(), md5: md5))
                moved.insert(url)
            } catch {
                logger.notice("a picture of the answer stays a link: \(error)", metadata: ["bot": "\(botID)"])
            }
        }
        var text = answer
        text.markdown = MarkdownImages.removing(moved, from: answer.markdown)
        return (text, items)
    }
}
