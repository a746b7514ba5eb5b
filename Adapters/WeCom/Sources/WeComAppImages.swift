import Foundation
import SwitchboardCore

/// Pictures in an app's answer (platforms-2.md §4.1): WeCom's markdown shows none, so after the
/// text each `![](https://…)` of the answer (a Dify `message_file`) goes as an image message —
/// fetched (≤ 10 MB, a picture by its bytes), uploaded with `media/upload?type=image`, sent with
/// `message/send` `msgtype: image`. The media id of each URL and how many were sent are kept in
/// reply state, so a retry neither uploads nor sends one twice. A picture that cannot be fetched
/// or uploaded stays the link the text already has.
struct WeComAppImages {
    let adapter: WeComAppAdapter
    let event: ChatEvent
    let context: DeliveryContext

    static let mediaKey = "wecom.image_media"
    static let sentKey = "wecom.sent_images"
    /// WeCom takes JPG/PNG images up to 10 MB.
    static let uploadLimit = 10 << 20

    /// Sends the answer's pictures; the message ids.
    func send(_ answer: Reply) async throws -> [String] {
        let urls = MarkdownImages.urls(in: answer.markdown)
        guard !urls.isEmpty else { return [] }
        var media = try await context.replyState.load([String: String].self, Self.mediaKey) ?? [:]
        var ids: [String] = []
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send(urls) { url, _, uncertain in
            if media[url] == nil {
                do {
                    media[url] = try await upload(url)
                } catch let error as MediaError {
                    context.logger.notice("a picture of the answer stays a link: \(error)", metadata: ["bot": "\(adapter.botID)"])
                    return
                }
                try await context.replyState.save(Self.mediaKey, media)
            }
            guard let mediaID = media[url] else { return }
            // As for text parts: WeCom drops the same image sent again within the interval.
            let data = try WeComPayloads.appImage(
                touser: event.sender.id, agentID: adapter.agentID, mediaID: mediaID, duplicateCheck: uncertain ? WeComAppAdapter.duplicateCheckInterval : nil
            )
            let result = try await adapter.token.withToken(transport: context.transport, isRejection: WeComAccessToken.isRejection) {
                [api = adapter.api, transport = context.transport] token in
                try await api.post("/cgi-bin/message/send", query: [("access_token", token)], body: data, transport: transport)
            }
            if let id = result["msgid"]?.string { ids.append(id) }
        }
        return ids
    }

    private func upload(_ url: String) async throws -> String {
        let image = try await MediaDownload.picture(at: url, limit: Self.uploadLimit, transport: context.transport)
        guard ["image/jpeg", "image/png"].contains(image.mimeType) else {
            throw MediaError(.unavailable, "WeCom takes JPG and PNG pictures; this one is \(image.mimeType)")
        }
        var form = MultipartForm()
        form.add(name: "media", fileName: image.name, mimeType: image.mimeType, data: try image.data())
        let body = form.finished
        let contentType = form.contentType
        let result = try await adapter.token.withToken(transport: context.transport, isRejection: WeComAccessToken.isRejection) {
            [api = adapter.api, transport = context.transport] token in
            try await api.upload("/cgi-bin/media/upload", query: [("access_token", token), ("type", "image")], body: body, contentType: contentType, transport: transport)
        }
        guard let mediaID = result["media_id"]?.string, !mediaID.isEmpty else {
            throw WeComAPIError(botID: adapter.botID, api: "media/upload", kind: .notJSON)
        }
        return mediaID
    }
}
