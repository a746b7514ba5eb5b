public import Foundation
import HTTPTypes
import SwitchboardCore

/// A file the fake Dify received on `POST /v1/files/upload`.
public struct FakeDifyUpload: Sendable {
    public var id: String
    public var name: String
    public var mimeType: String
    public var data: Data
    public var user: String
}

extension FakeDifyServer {
    /// The largest upload the fake takes: Dify's self-hosted default for video (100 MB) — above
    /// what the loopback server reads (64 MB), which answers 413 itself.
    static let uploadLimit = 100 << 20

    /// `POST /v1/files/upload` as platforms-2.md §4.5 says: multipart parts `file` (with a file name
    /// and a type, 415 without the type) and `user`; 201 with the file's record.
    func upload(_ request: RecordedRequest) -> LoopbackResponse {
        guard let parts = MultipartPart.parse(request.body, contentType: request.headers[.contentType]),
            let file = parts.first(where: { $0.name == "file" }), file.fileName != nil
        else { return Self.error(400, "no_file_uploaded", "Please upload your file.") }
        guard parts.filter({ $0.name == "file" }).count == 1 else { return Self.error(400, "too_many_files", "Only one file is allowed.") }
        guard let mimeType = file.contentType, !mimeType.isEmpty else { return Self.error(415, "unsupported_file_type", "File type not allowed.") }
        guard file.data.count <= Self.uploadLimit else { return Self.error(413, "file_too_large", "File size exceeded.") }
        let user = parts.first { $0.name == "user" }?.text ?? ""
        let upload = FakeDifyUpload(id: UUID().uuidString.lowercased(), name: file.fileName ?? "", mimeType: mimeType, data: file.data, user: user)
        recordUpload(upload)
        let ext = (upload.name as NSString).pathExtension
        return Self.json(201, OrderedJSON.object([
            ("id", .string(upload.id)), ("name", .string(upload.name)), ("size", .int(upload.data.count)), ("extension", .string(ext)),
            ("mime_type", .string(mimeType)), ("created_by", "6ad1ab0a-73ff-4ac1-b9e4-cdb312f71f13"), ("created_at", .int(1_718_000_000)),
        ]).text)
    }

    /// The `files` of an answer request, checked as Dify checks them: each `local_file` must be an
    /// upload of the same user, and of a type the app accepts. Nil when they pass; the error
    /// answer otherwise.
    func refusal(ofFiles call: FakeDifyCall) -> LoopbackResponse? {
        for file in Self.files(of: call) {
            if file["transfer_method"] == "remote_url" {
                // Dify fetches the URL itself; an entry without one is dropped (platforms-2.md §4.5).
                guard let type = file["type"]?.string, let url = file["url"]?.string, url.hasPrefix("http") else {
                    return Self.error(400, "invalid_param", "Invalid remote file: \(file)")
                }
                if refusedFileTypes.contains(type) { return Self.error(400, "invalid_param", "File validation failed for file: \(url)") }
                continue
            }
            guard let type = file["type"]?.string, file["transfer_method"] == "local_file", let id = file["upload_file_id"]?.string else {
                return Self.error(400, "invalid_param", "Invalid upload file: \(file)")
            }
            guard let upload = uploads.first(where: { $0.id == id }), upload.user == call.user else {
                return Self.error(400, "invalid_param", "Invalid upload file id")
            }
            if refusedFileTypes.contains(type) {
                return Self.error(400, "invalid_param", "File validation failed for file: \(upload.name)")
            }
        }
        return nil
    }

    /// The file objects of a request: its `files`, and — for a workflow — those in its inputs (a
    /// file input holds one object, a file-list input a list of them).
    static func files(of call: FakeDifyCall) -> [JSONValue] {
        var files = call.body["files"]?.array ?? []
        if case .object(let inputs)? = call.body["inputs"] {
            for value in inputs.values {
                if value["transfer_method"] != nil { files.append(value) }
                files += (value.array ?? []).filter { $0["transfer_method"] != nil }
            }
        }
        return files
    }

    /// The transcript the fake's speech-to-text hears in every voice note.
    public static let transcript = "明天上午十点在三楼会议室开会"

    /// `POST /v1/audio-to-text` (platforms-2.md §4.5): multipart `file` (audio/mp3, m4a, wav, amr or
    /// mpga; 415 otherwise) and `user` ▸ `{"text"}`.
    func transcribe(_ request: RecordedRequest) -> LoopbackResponse {
        guard let parts = MultipartPart.parse(request.body, contentType: request.headers[.contentType]),
            let file = parts.first(where: { $0.name == "file" })
        else { return Self.error(400, "no_audio_uploaded", "Please upload your audio.") }
        let mimeType = file.contentType ?? ""
        guard ["audio/mp3", "audio/m4a", "audio/wav", "audio/amr", "audio/mpga"].contains(mimeType) else {
            return Self.error(415, "unsupported_audio_type", "Audio type not allowed.")
        }
        recordTranscription(mimeType, user: parts.first { $0.name == "user" }?.text ?? "")
        return Self.json(200, OrderedJSON.object([("text", .string(Self.transcript))]).text)
    }
}
