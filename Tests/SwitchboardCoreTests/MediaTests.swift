import Foundation
import HTTPTypes
@testable import SwitchboardCore
import Testing

@Suite("Media: sniffing, names, sizes, downloads", .timeLimit(.minutes(5)))
struct MediaTests {
    @Test("an answer's files: links under the text where the adapter sends none; taken out of the stream by one that does; a reply stored before files existed still decodes")
    func answerFiles() async throws {
        let file = AnswerFile(url: "https://files.example.com/a/%E6%8A%A5%E5%91%8A.pdf?sign=1")
        #expect(file.name == "报告.pdf" && AnswerFile(url: "https://files.example.com/").name == "file")
        let reply = Reply(markdown: "见附件。", files: [file])
        let shown = ReplyRenderer.render(reply, for: .dingtalkMarkdown).map(\.text).joined()
        #expect(shown.contains("📎 [报告.pdf](https://files.example.com/a/%E6%8A%A5%E5%91%8A.pdf?sign=1)"), "\(shown)")

        let collector = AnswerFileCollector()
        let text = try await ReplyStream(reply: reply).takingFiles(into: collector).collect()
        #expect(text.files.isEmpty && text.markdown == "见附件。" && collector.taken == [file])

        let old = try JSONDecoder().decode(Reply.self, from: Data(#"{"markdown":"旧","citations":[],"suggestions":[]}"#.utf8))
        #expect(old == Reply(markdown: "旧"))
        #expect(try JSONDecoder().decode(Reply.self, from: JSONEncoder().encode(reply)) == reply)
    }

    @Test func typesComeFromTheBytes() {
        let cases: [([UInt8], String, String)] = [
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], "x.jpg", "image/png"),
            ([0xFF, 0xD8, 0xFF, 0xE1], "", "image/jpeg"),
            (Array("GIF89a".utf8), "", "image/gif"),
            (Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8), "", "image/webp"),
            (Array("%PDF-1.7".utf8), "report.docx", "application/pdf"),
            (Array("#!AMR\n".utf8), "", "audio/amr"),
            (Array("OggS".utf8) + [0, 2], "", "audio/ogg"),
            ([0, 0, 0, 0x18] + Array("ftypmp42".utf8), "", "video/mp4"),
            ([0, 0, 0, 0x18] + Array("ftypheic".utf8), "", "image/heic"),
            ([0x50, 0x4B, 0x03, 0x04], "周报.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ([0x50, 0x4B, 0x03, 0x04], "a.zip", "application/zip"),
        ]
        for (bytes, name, expected) in cases {
            #expect(MediaSniffer.mimeType(of: Data(bytes), name: name) == expected, "\(expected)")
        }
        #expect(MediaSniffer.mimeType(of: Data("hello".utf8)) == nil)
    }

    @Test func fileNamesFromContentDispositionKeepNoFolders() {
        #expect(ContentDisposition.fileName(#"attachment; filename="MEDIA.jpg""#) == "MEDIA.jpg")
        #expect(ContentDisposition.fileName("attachment; filename=\"a.pdf\"; filename*=UTF-8''%E5%91%A8%E6%8A%A5.pdf") == "周报.pdf")
        #expect(ContentDisposition.fileName(#"attachment; filename="../../etc/passwd""#) == "passwd")
        #expect(ContentDisposition.fileName("inline") == nil)
        #expect(MediaFile.name("../x/../", kind: .file, mimeType: "application/pdf") == "file.pdf")
    }

    @Test func sizesInConfig() {
        #expect(ConfigSection.parseSize("15MB") == 15 << 20)
        #expect(ConfigSection.parseSize("512 KB") == 512 << 10)
        #expect(ConfigSection.parseSize("2048") == 2048)
        #expect(ConfigSection.parseSize("1GiB") == 1 << 30)
        #expect(ConfigSection.parseSize("15 parsecs") == nil)
        #expect(ConfigSection.parseSize("-1MB") == nil)
        #expect(MediaError(.tooLarge(size: 52 << 20, limit: 15 << 20), "").userNotice == "文件太大（52 MB），超过了 15 MB 的上限，没有处理。")
    }

    @Test func aDownloadOverAMegabyteGoesToATemporaryFileRemovedWithItsLastReference() async throws {
        let bytes = [0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 3 << 20)
        let chunks = stride(from: 0, to: bytes.count, by: 64 << 10).map { Array(bytes[$0..<min($0 + (64 << 10), bytes.count)]) }
        let response = OutboundResponse(status: .ok, headers: [.contentType: "application/octet-stream"], body: HTTPBody(chunks.async))
        var file: MediaFile? = try await MediaDownload.read(response, kind: .image, name: nil, limit: 4 << 20)
        let path: String
        if case .file(let temporary)? = file?.content {
            path = temporary.url.path
        } else {
            Issue.record("kept in memory")
            return
        }
        #expect(file?.mimeType == "image/jpeg" && file?.size == bytes.count && file?.name == "image.jpg")
        #expect(try file?.data() == Data(bytes))
        #expect(FileManager.default.fileExists(atPath: path))
        file = nil
        #expect(!FileManager.default.fileExists(atPath: path), "the temporary file outlived its MediaFile")

        let small = OutboundResponse(status: .ok, headers: [.contentLength: "9000000"], body: HTTPBody([[0x00]].async))
        await #expect(throws: MediaError(.tooLarge(size: 9_000_000, limit: 4 << 20), "the download is 9000000 bytes, over the limit of 4194304")) {
            try await MediaDownload.read(small, kind: .file, name: nil, limit: 4 << 20)
        }
    }
}
