import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// Attachments to Dify (platforms-2.md §4.5): uploaded with `/files/upload` as the same user, then
/// named in `files`; a picture alone gets the image query; a type the app refuses is one clear
/// message to the user.
@Suite("Dify files", .timeLimit(.minutes(5)))
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

    @Test("a workflow with file_input gets the files inside its inputs: one object, or a list with file_input_list; no top-level files")
    func workflowFileInput() async throws {
        try await FakeDifyServer.withRunning(mode: "workflow") { dify in
            let document = MediaFile(kind: .file, name: "合同.pdf", mimeType: "application/pdf", size: Self.pdf.count, content: .bytes(Self.pdf))
            let image = MediaFile(kind: .image, name: "image.png", mimeType: "image/png", size: Self.png.count, content: .bytes(Self.png))
            let single = try DifyTest.backend(dify, app: "workflow", options: ["file_input": "contract"])
            _ = try await DifyTest.answer(single, Self.request("审一下", attachments: [document]))
            let first = try #require(dify.calls.first)
            let uploaded = try #require(dify.uploads.first)
            #expect(first.body["inputs"]?["contract"] == ["type": "document", "transfer_method": "local_file", "upload_file_id": .string(uploaded.id)])
            #expect(first.inputs["query"] == "审一下" && first.body["files"] == nil)

            let list = try DifyTest.backend(dify, app: "workflow", options: ["file_input": "docs", "file_input_list": true])
            _ = try await DifyTest.answer(list, Self.request("", attachments: [document, image]))
            let second = try #require(dify.calls.last)
            #expect(second.body["inputs"]?["docs"]?.array?.map { $0["type"] } == ["document", "image"])
            #expect(second.inputs["query"] == "请阅读这个文件并总结要点。" && second.body["files"] == nil)
        }
    }

    @Test("remote_url: a file from a credential-free URL goes to Dify by its URL, not uploaded; a file without one is uploaded")
    func remoteURL() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            let backend = try DifyTest.backend(dify, app: "chat", options: ["remote_url": true])
            var signed = MediaFile(kind: .image, name: "a.png", mimeType: "image/png", size: Self.png.count, content: .bytes(Self.png))
            signed.sourceURL = "https://down.dingtalk.com/robot/a.png?Expires=1&Signature=x"
            let private_ = MediaFile(kind: .image, name: "b.png", mimeType: "image/png", size: Self.png.count, content: .bytes(Self.png))
            _ = try await DifyTest.answer(backend, Self.request("比较", attachments: [signed, private_]))
            let files = try #require(dify.calls.first?.body["files"]?.array)
            #expect(files.first == ["type": "image", "transfer_method": "remote_url", "url": "https://down.dingtalk.com/robot/a.png?Expires=1&Signature=x"])
            #expect(files.last?["transfer_method"] == "local_file" && dify.uploads.map(\.name) == ["b.png"])
        }
    }

    @Test("file_input is refused on a chat app and file_input_list without file_input, each naming the key")
    func fileInputConfigErrors() throws {
        func section(_ app: String, _ extra: [String: JSONValue]) -> [String: JSONValue] {
            ["type": "dify", "base_url": "http://127.0.0.1:9", "api_key": "app-test", "app": .string(app)].merging(extra) { _, given in given }
        }
        #expect { try DifyTest.backend(section: section("chat", ["file_input": "docs"])) } throws: { "\($0)".contains("file_input") && "\($0)".contains("workflow") }
        #expect { try DifyTest.backend(section: section("workflow", ["file_input_list": true])) } throws: { "\($0)".contains("file_input_list") }
    }

    @Test func aRequestWithoutAttachmentsSendsNoFilesKey() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            _ = try await DifyTest.answer(try DifyTest.backend(dify, app: "chat"), DifyTest.request("hi"))
            #expect(dify.calls.first?.body["files"] == nil && dify.uploads.isEmpty)
        }
    }
}
