import Foundation
import HTTPTypes
import SwitchboardCore

/// Pictures in an answer, shown in the card (platforms-2.md §4.3): each `![alt](https://…)` — a
/// Dify `message_file` arrives so — is downloaded (≤ 10 MB, a picture by its bytes) and uploaded
/// with `POST /open-apis/im/v1/images` (`image_type=message`), and the Markdown then names its
/// `img_key`, which the card dialect keeps as an image. Keys are kept in reply state per URL, so a
/// retried job uploads nothing twice. A picture that cannot be fetched or uploaded stays a link.
struct FeishuImages {
    let adapter: FeishuAppAdapter
    let context: DeliveryContext

    static let stateKey = "feishu.images"
    /// Feishu takes images up to 10 MB.
    static let uploadLimit = 10 << 20

    /// `answer` with every picture URL it could upload replaced by its `img_key`.
    func resolving(_ answer: Reply) async throws -> Reply {
        let urls = MarkdownImages.urls(in: answer.markdown)
        guard !urls.isEmpty else { return answer }
        var keys = try await context.replyState.load([String: String].self, Self.stateKey) ?? [:]
        for url in urls where keys[url] == nil {
            do {
                keys[url] = try await upload(url)
                try await context.replyState.save(Self.stateKey, keys)
            } catch let error as FeishuAPIError where error.isRetryable || error.isTokenRejected {
                throw error
            } catch {
                context.logger.notice("a picture of the answer stays a link: \(error)", metadata: ["bot": "\(adapter.botID)"])
            }
        }
        var resolved = answer
        resolved.markdown = MarkdownImages.replacing(in: answer.markdown, keys)
        return resolved
    }

    private func upload(_ url: String) async throws -> String {
        let transport = context.transport
        let image = try await MediaDownload.picture(at: url, limit: Self.uploadLimit, transport: transport)
        var form = MultipartForm()
        form.add(name: "image_type", value: "message")
        form.add(name: "image", fileName: image.name, mimeType: image.mimeType, data: try image.data())
        let body = form.finished
        let contentType = form.contentType
        let object = try await adapter.token.withToken(transport: transport, isRejection: FeishuTenantToken.isRejection) { [api = adapter.api] token in
            try await api.upload("/open-apis/im/v1/images", api: "im/v1/images", token: token, body: body, contentType: contentType, transport: transport)
        }
        guard let key = object["data"]?["image_key"]?.string, !key.isEmpty else {
            throw FeishuAPIError(botID: adapter.botID, api: "im/v1/images", kind: .notJSON)
        }
        return key
    }
}
