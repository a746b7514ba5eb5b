import Foundation
import SwitchboardCore

/// Files of an answer (a Dify `message_file` that is a document, audio or video), sent after its
/// text as Feishu file messages (platforms-2.md §4.3): each is fetched (≤ 30 MB), uploaded with
/// `POST /open-apis/im/v1/files` (`file_type`, `file_name`, `file`) and sent as `msg_type: file`
/// with its `file_key`. A file that cannot be fetched or uploaded is sent as a link instead. Keys
/// per URL and how many were sent are kept in reply state, and every send carries its `uuid`, so a
/// retry neither uploads nor sends one twice.
struct FeishuFiles {
    let delivery: FeishuDelivery

    static let keysKey = "feishu.files"
    static let sentKey = "feishu.sent_files"
    /// Feishu takes files up to 30 MB.
    static let uploadLimit = 30 << 20

    /// Sends `files`; the message ids.
    func send(_ files: [AnswerFile]) async throws -> [String] {
        guard !files.isEmpty else { return [] }
        let context = delivery.context
        var keys = try await context.replyState.load([String: String].self, Self.keysKey) ?? [:]
        var ids: [String] = []
        try await PartProgress(replyState: context.replyState, key: Self.sentKey).send(files) { file, index, _ in
            if keys[file.url] == nil {
                do {
                    guard index < AnswerMedia.maxFiles else {
                        throw MediaError(.refused, "the answer's files past the first \(AnswerMedia.maxFiles) are sent as links")
                    }
                    keys[file.url] = try await upload(file)
                    try await context.replyState.save(Self.keysKey, keys)
                } catch let error as FeishuAPIError where error.isRetryable || error.isTokenRejected {
                    throw error
                } catch {
                    context.logger.notice("a file of the answer is sent as a link: \(error)", metadata: ["bot": "\(delivery.adapter.botID)"])
                    let text = ReplyRenderer.render(markdown: "📎 [\(file.name)](\(file.url))", for: FeishuMessageKind.post.target).first?.text ?? file.url
                    let (msgType, content) = try FeishuPayloads.message(.post, text)
                    ids.append(try await delivery.send(msgType: msgType, content: content, uuidKind: "file-link", part: index))
                    return
                }
            }
            guard let key = keys[file.url] else { return }
            let content = try FeishuPayloads.string(["file_key": key])
            ids.append(try await delivery.send(msgType: "file", content: content, uuidKind: "file", part: index))
        }
        return ids
    }

    /// Feishu's `file_type` for a content type: opus, mp4, pdf, doc, xls, ppt, else stream.
    static func fileType(_ mimeType: String) -> String {
        switch mimeType {
        case "application/pdf": "pdf"
        case "video/mp4": "mp4"
        case "audio/ogg": "opus"
        case "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "doc"
        case "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xls"
        case "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation": "ppt"
        default: "stream"
        }
    }

    private func upload(_ file: AnswerFile) async throws -> String {
        let transport = delivery.context.transport
        let media = try await MediaDownload.get(file.url, kind: .file, name: file.name, limit: Self.uploadLimit, transport: transport)
        var form = MultipartForm()
        form.add(name: "file_type", value: Self.fileType(media.mimeType))
        form.add(name: "file_name", value: media.name)
        form.add(name: "file", fileName: media.name, mimeType: media.mimeType, data: try media.data())
        return try await delivery.adapter.upload(form, api: "im/v1/files", returning: "file_key", transport: transport)
    }
}
