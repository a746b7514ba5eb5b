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
        if urls.count > AnswerMedia.maxPictures {
            context.logger.notice("the answer has \(urls.count) pictures; the first \(AnswerMedia.maxPictures) are shown, the rest stay links", metadata: ["bot": "\(adapter.botID)"])
        }
        for url in urls.prefix(AnswerMedia.maxPictures) where keys[url] == nil {
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
        return try await adapter.upload(form, api: "im/v1/images", returning: "image_key", transport: transport)
    }
}

extension FeishuAppAdapter {
    /// POSTs a multipart `form` to an upload API (`im/v1/images`, `im/v1/files`) with the tenant
    /// token; the answer's `data.<key>`.
    func upload(_ form: MultipartForm, api name: String, returning key: String, transport: any HTTPTransport) async throws -> String {
        let body = form.finished
        let contentType = form.contentType
        let object = try await token.withToken(transport: transport, isRejection: FeishuTenantToken.isRejection) { [api] token in
            try await api.upload("/open-apis/\(name)", api: name, token: token, body: body, contentType: contentType, transport: transport)
        }
        guard let value = object["data"]?[key]?.string, !value.isEmpty else {
            throw FeishuAPIError(botID: botID, api: name, kind: .notJSON)
        }
        return value
    }
}
