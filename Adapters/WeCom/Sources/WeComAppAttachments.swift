import Foundation
import SwitchboardCore

/// Pictures and files of an app's answer (platforms-2.md §4.1), sent after its text. WeCom's
/// markdown shows no pictures, so each `![](https://…)` of the answer (a Dify `message_file`) goes
/// as an image message — fetched (≤ 10 MB, a picture by its bytes), uploaded with
/// `media/upload?type=image`, sent with `message/send` `msgtype: image`; a picture that cannot be
/// fetched or uploaded stays the link the text already has. Each file of the answer (a report, a
/// spreadsheet) goes the same way as `type=file` / `msgtype: file` (≤ 20 MB), or as a link message
/// when it cannot. The media id of each URL and how many were sent are kept in reply state, so a
/// retry neither uploads nor sends one twice.
struct WeComAppAttachments {
    let adapter: WeComAppAdapter
    let event: ChatEvent
    let context: DeliveryContext

    static let mediaKey = "wecom.image_media"
    static let sentKey = "wecom.sent_images"
    /// WeCom takes JPG/PNG images up to 10 MB and files up to 20 MB.
    static let imageLimit = 10 << 20
    static let fileLimit = 20 << 20

    enum Attachment: Sendable {
        case picture(url: String)
        case file(AnswerFile)

        var url: String {
            switch self {
            case .picture(let url): url
            case .file(let file): file.url
            }
        }
    }

    /// The answer's pictures (the first ``AnswerMedia/maxPictures``; the rest stay links in the
    /// text), then its files.
    static func attachments(of answer: Reply) -> [Attachment] {
        MarkdownImages.urls(in: answer.markdown).prefix(AnswerMedia.maxPictures).map(Attachment.picture) + answer.files.map(Attachment.file)
    }

    /// Sends the answer's pictures and files; the message ids.
    func send(_ answer: Reply) async throws -> [String] {
        let attachments = Self.attachments(of: answer)
        guard !attachments.isEmpty else { return [] }
        var media = try await context.replyState.load([String: String].self, Self.mediaKey) ?? [:]
        var ids: [String] = []
        let fetchedFiles = Set(attachments.compactMap { if case .file(let file) = $0 { file.url } else { nil } }.prefix(AnswerMedia.maxFiles))
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send(attachments) { attachment, _, uncertain in
            if media[attachment.url] == nil {
                do {
                    if case .file(let file) = attachment, !fetchedFiles.contains(file.url) {
                        throw MediaError(.refused, "the answer's files past the first \(AnswerMedia.maxFiles) are sent as links")
                    }
                    media[attachment.url] = try await upload(attachment)
                } catch let error as MediaError {
                    guard case .file(let file) = attachment else {
                        context.logger.notice("a picture of the answer stays a link: \(error)", metadata: ["bot": "\(adapter.botID)"])
                        return
                    }
                    context.logger.notice("a file of the answer is sent as a link: \(error)", metadata: ["bot": "\(adapter.botID)"])
                    try await post(try WeComPayloads.appMessage(
                        touser: event.sender.id, agentID: adapter.agentID, type: adapter.messageType, content: Self.link(to: file, type: adapter.messageType),
                        duplicateCheck: uncertain ? WeComAppAdapter.duplicateCheckInterval : nil
                    ), into: &ids)
                    return
                }
                try await context.replyState.save(Self.mediaKey, media)
            }
            guard let mediaID = media[attachment.url] else { return }
            // As for text parts: WeCom drops the same media sent again within the interval.
            let msgtype = if case .picture = attachment { "image" } else { "file" }
            try await post(try WeComPayloads.appMedia(
                msgtype, touser: event.sender.id, agentID: adapter.agentID, mediaID: mediaID,
                duplicateCheck: uncertain ? WeComAppAdapter.duplicateCheckInterval : nil
            ), into: &ids)
        }
        return ids
    }

    /// A file that could not be sent as one, as a line of text.
    static func link(to file: AnswerFile, type: WeComAppAdapter.MessageType) -> String {
        type == .markdown ? "📎 [\(file.name)](\(file.url))" : "📎 \(file.name) \(file.url)"
    }

    private func post(_ body: Data, into ids: inout [String]) async throws {
        let result = try await adapter.token.withToken(transport: context.transport, isRejection: WeComAccessToken.isRejection) {
            [api = adapter.api, transport = context.transport] token in
            try await api.post("/cgi-bin/message/send", query: [("access_token", token)], body: body, transport: transport)
        }
        if let id = result["msgid"]?.string { ids.append(id) }
    }

    private func upload(_ attachment: Attachment) async throws -> String {
        let media: MediaFile
        let type: String
        switch attachment {
        case .picture(let url):
            media = try await MediaDownload.picture(at: url, limit: Self.imageLimit, transport: context.transport)
            guard ["image/jpeg", "image/png"].contains(media.mimeType) else {
                throw MediaError(.unavailable, "WeCom takes JPG and PNG pictures; this one is \(media.mimeType)")
            }
            type = "image"
        case .file(let file):
            media = try await MediaDownload.get(file.url, kind: .file, name: file.name, limit: Self.fileLimit, transport: context.transport)
            // WeCom refuses files of 5 bytes or less (platforms-2.md §4.1).
            guard media.size > 5 else { throw MediaError(.unavailable, "WeCom takes files larger than 5 bytes; this one has \(media.size)") }
            type = "file"
        }
        var form = MultipartForm()
        form.add(name: "media", fileName: media.name, mimeType: media.mimeType, data: try media.data())
        let body = form.finished
        let contentType = form.contentType
        let result = try await adapter.token.withToken(transport: context.transport, isRejection: WeComAccessToken.isRejection) {
            [api = adapter.api, transport = context.transport] token in
            try await api.upload("/cgi-bin/media/upload", query: [("access_token", token), ("type", type)], body: body, contentType: contentType, transport: transport)
        }
        guard let mediaID = result["media_id"]?.string, !mediaID.isEmpty else {
            throw WeComAPIError(botID: adapter.botID, api: "media/upload", kind: .notJSON)
        }
        return mediaID
    }
}
