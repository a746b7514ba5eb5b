import Foundation
import SwitchboardCore

/// What users send besides text, handed to Dify (platforms-2.md §4.5): each file uploaded with
/// `POST /files/upload` (multipart `file` + `user`, the same user as the answer request), then
/// named in the request's `files` as `local_file`.
extension DifyClient {
    /// Uploads `file` for `user`; its Dify file id.
    func upload(_ file: MediaFile, user: String) async throws -> String {
        var form = MultipartForm()
        form.add(name: "file", fileName: file.name, mimeType: file.mimeType, data: try file.data())
        form.add(name: "user", value: user)
        let payload = try await json(send(method: .post, path: "/files/upload", body: form.finished, contentType: form.contentType))
        guard let id = payload.id, !id.isEmpty else {
            throw DifyError(backend: configuration.name, kind: .invalidResponse("files/upload answered without the file's id"))
        }
        return id
    }

    /// The request's `files` entry for an uploaded file.
    static func fileEntry(_ file: MediaFile, id: String) -> JSONValue {
        ["type": .string(fileType(file)), "transfer_method": "local_file", "upload_file_id": .string(id)]
    }

    /// Dify's file `type`: `image`, `audio`, `video`, `document` for the extensions Dify lists as
    /// documents, `custom` for anything else.
    static func fileType(_ file: MediaFile) -> String {
        switch file.kind {
        case .image: return "image"
        case .audio: return "audio"
        case .video: return "video"
        case .file:
            if file.mimeType.hasPrefix("image/") { return "image" }
            let ext = (file.name as NSString).pathExtension.lowercased()
            return documentExtensions.contains(ext) ? "document" : "custom"
        }
    }

    static let documentExtensions: Set<String> = [
        "txt", "md", "markdown", "pdf", "html", "xlsx", "xls", "docx", "csv", "eml", "msg", "pptx", "ppt", "xml", "epub",
    ]
}
