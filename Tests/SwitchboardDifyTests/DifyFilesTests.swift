import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// Attachments to Dify (platforms-2.md §4.5): uploaded with `/files/upload` as the same user, then
/// named in `files`; a picture alone gets the image query; a type the app refuses is one clear
/// message to the user.
@Suite("Dify files")
struct DifyFilesTests {
    /// A PNG's signature and some bytes.
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("fixture-image-bytes".utf8)
    static let pdf = Data("%PDF-1.7\n%fixture document\n".utf8)

    static func request(_ query: String, attachments: [MediaFile]) -> BackendRequest {
        var request = DifyTest.request(query)
        request.attachments = attachments
        return request
    }

    @Test func aPictureAloneIsUploadedAndAskedAboutWithTheImageQuery() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let backend = try DifyTest.backend(dify, app: "chat")
            let image = MediaFile(kind: .image, name: "image.png", mimeType: "image/png", size: Self.png.count, content: .bytes(Self.png))
            let answer = try await DifyTest.answer(backend, Self.request("", attachments: [image]))
            #expect(answer.reply.markdown == "You said: 请描述这张图片。")
            let upload = try #require(dify.uploads.first)
            #expect(dify.uploads.count == 1)
            #expect(upload.data == Self.png && upload.mimeType == "image/png" && upload.name == "image.png")
            #expect(upload.user == "wecom:wecom-app:zhangsan")
            let call = try #require(dify.calls.first)
            #expect(call.body["files"] == [["type": "image", "transfer_method": "local_file", "upload_file_id": .string(upload.id)]])
            #expect(call.query == "请描述这张图片。")
        }
    }

    @Test func aDocumentWithAQuestionKeepsTheQuestionAndAWordFileIsADocument() async throws {
        try await FakeDifyServer.withRunning(mode: "advanced-chat") { dify in
            let backend = try DifyTest.backend(dify, app: "chatflow", options: ["file_query": "总结一下"])
            let document = MediaFile(kind: .file, name: "周报.pdf", mimeType: "application/pdf", size: Self.pdf.count, content: .bytes(Self.pdf))
            _ = try await DifyTest.answer(backend, Self.request("第三页说了什么？", attachments: [document]))
            #expect(dify.calls.first?.query == "第三页说了什么？")
            #expect(dify.calls.first?.body["files"]?.array?.first?["type"] == "document")
            #expect(dify.uploads.first?.name == "周报.pdf")
            _ = try await DifyTest.answer(backend, Self.request(" ", attachments: [document]))
            #expect(dify.calls.last?.query == "总结一下")
        }
    }

    @Test func aTypeTheAppDoesNotTakeIsOneMessageToTheUserAndALogLineNamingTheSetting() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            dify.refuseFiles(ofType: "document")
            let logs = LogCapture()
            let backend = try DifyTest.backend(dify, app: "chat", logs: logs)
            let document = MediaFile(kind: .file, name: "a.pdf", mimeType: "application/pdf", size: Self.pdf.count, content: .bytes(Self.pdf))
            let answer = try await DifyTest.answer(backend, Self.request("看看这个", attachments: [document]))
            #expect(answer.reply.markdown.contains("不接受你发送的这类文件"))
            #expect(dify.calls.count == 1, "not retried")
            let line = try #require(logs.messages.first { $0.contains("File upload") })
            #expect(line.contains("a.pdf") && line.contains("文件上传"), "\(line)")
        }
    }

    @Test func withSpeechToTextAVoiceNoteBecomesTheQueryAndAnOggIsRefusedInOneLine() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let logs = LogCapture()
            let backend = try DifyTest.backend(dify, app: "chat", options: ["speech_to_text": true], logs: logs)
            let amr = Data("#!AMR\n".utf8) + Data(repeating: 0x3C, count: 64)
            let voice = MediaFile(kind: .audio, name: "voice.amr", mimeType: "audio/amr", size: amr.count, content: .bytes(amr))
            let answer = try await DifyTest.answer(backend, Self.request("", attachments: [voice]))
            #expect(answer.reply.markdown == "You said: \(FakeDifyServer.transcript)")
            #expect(dify.transcriptions.map(\.mimeType) == ["audio/amr"] && dify.transcriptions.first?.user == "wecom:wecom-app:zhangsan")
            #expect(dify.uploads.isEmpty && dify.calls.first?.body["files"] == nil)

            let ogg = Data("OggS".utf8) + Data(repeating: 0, count: 32)
            let opus = MediaFile(kind: .audio, name: "audio.ogg", mimeType: "audio/ogg", size: ogg.count, content: .bytes(ogg))
            let refused = try await DifyTest.answer(backend, Self.request("", attachments: [opus]))
            #expect(refused.reply.markdown.contains("没能识别这段语音"))
            #expect(dify.calls.count == 1, "the app is not asked about a voice note it cannot hear")
            #expect(logs.messages.contains { $0.contains("audio/ogg") && $0.contains("MP3, M4A, WAV and AMR") && $0.contains("speech_to_text") })
        }
    }

    @Test func aRequestWithoutAttachmentsSendsNoFilesKey() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            _ = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat"), DifyTest.request("hi"))
            #expect(dify.calls.first?.body["files"] == nil && dify.uploads.isEmpty)
        }
    }
}
