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

    /// The request's `files` entry for a file Dify fetches itself (`remote_url`).
    static func remoteEntry(_ file: MediaFile, url: String) -> JSONValue {
        ["type": .string(fileType(file)), "transfer_method": "remote_url", "url": .string(url)]
    }

    /// How `file` reaches Dify: by its URL when the backend says so and the URL needs no
    /// credentials, else uploaded for `user`.
    func entry(for file: MediaFile, user: String) async throws -> JSONValue {
        if configuration.remoteURL, let url = file.sourceURL { return Self.remoteEntry(file, url: url) }
        return Self.fileEntry(file, id: try await upload(file, user: user))
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

/// Voice to text (platforms-2.md §4.5): `POST /audio-to-text`, multipart `file` + `user`, ≤ 30 MB,
/// in a format Dify takes — MP3, M4A, WAV, AMR. Switchboard converts no audio (no Swift-native
/// encoder), so other formats (Feishu's Ogg/Opus, say) are refused with a word to the user.
extension DifyClient {
    /// Sniffed type ▸ the MIME type Dify's speech-to-text accepts for it.
    static let speechTypes: [String: String] = [
        "audio/mpeg": "audio/mp3", "audio/mp4": "audio/m4a", "audio/wav": "audio/wav", "audio/amr": "audio/amr",
    ]
    static let speechLimit = 30 << 20

    func transcribe(_ voice: MediaFile, user: String) async throws -> String {
        guard let mimeType = Self.speechTypes[voice.mimeType] else {
            throw DifyError(backend: configuration.name, kind: .voiceRefused("the voice note is \(voice.mimeType); Dify transcribes MP3, M4A, WAV and AMR"))
        }
        guard voice.size <= Self.speechLimit else {
            throw DifyError(backend: configuration.name, kind: .voiceRefused("the voice note is over Dify's 30 MB"))
        }
        var form = MultipartForm()
        let name = (voice.name as NSString).deletingPathExtension + "." + MediaSniffer.fileExtension(for: voice.mimeType)
        form.add(name: "file", fileName: name, mimeType: mimeType, data: try voice.data())
        form.add(name: "user", value: user)
        let payload: DifyPayload
        do {
            payload = try await json(send(method: .post, path: "/audio-to-text", body: form.finished, contentType: form.contentType))
        } catch let error as DifyError {
            // 400 provider_not_support_speech_to_text, 415 unsupported_audio_type, 413 audio_too_large…
            if case .rejected(let status, let code) = error.kind { throw DifyError(backend: configuration.name, kind: .voiceRefused("\(status) \(code)")) }
            if case .fileRefused(let detail) = error.kind { throw DifyError(backend: configuration.name, kind: .voiceRefused(detail)) }
            throw error
        }
        guard let text = payload.text, !text.isEmpty else {
            throw DifyError(backend: configuration.name, kind: .voiceRefused("audio-to-text answered no text"))
        }
        return text
    }
}
