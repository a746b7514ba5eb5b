import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDify
import SwitchboardDingTalk
import SwitchboardTesting
import Testing

/// An app robot's pictures and files (platforms-2.md §4.4): messageFiles/download with the
/// download code and robot code ▸ the pre-signed URL ▸ Dify; an unknown code ▸ a notice; a voice
/// note's recognition ▸ text, nothing downloaded.
@Suite("DingTalk media", .timeLimit(.minutes(5)))
struct DingTalkMediaTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("fixture-image-bytes".utf8)

    static func post(_ server: RunningSwitchboard, _ fake: FakeDingTalk, msgID: String, type: String, content: JSONValue) async throws -> Int {
        let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
        var message = try JSONParser.parse(try DingTalkEndToEndTests.message(
            from: FakeDingTalk.callbackFrame(messageID: "m-\(msgID)", msgID: msgID, text: "", sessionWebhook: fake.sessionWebhook, expires: alive, group: false)
        ))
        guard case .object(var fields) = message else { return 0 }
        fields["msgtype"] = .string(type)
        fields["text"] = nil
        fields["content"] = content
        message = .object(fields)
        return try await send(server, JSONWriter.data(message))
    }

    /// POSTs a robot message to the bot's webhook, signed as DingTalk signs it.
    static func send(_ server: RunningSwitchboard, _ message: Data) async throws -> Int {
        let timestamp = String(Int64(Date().timeIntervalSince1970 * 1000))
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("timestamp")!] = timestamp
        headers[HTTPField.Name("sign")!] = DingTalkEndToEndTests.sign(timestamp)
        return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/ding", headers: headers, body: message)).status
    }

    static func withServer(_ body: (RunningSwitchboard, FakeDingTalk, FakeDifyServer) async throws -> Void) async throws {
        try await FakeDingTalk.withRunning { fake in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                let yaml = """
                    backends: {dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "\(dify.apiKey)", app: chat}}
                    bots:
                      ding: {platform: dingtalk, mode: http, app_key: \(FakeDingTalk.appKey), app_secret: "\(FakeDingTalk.appSecret)", api_base: "\(fake.url)", oapi_base: "\(fake.url)"}
                    engine: {poll_interval: 50ms}
                    # The files are served on loopback, which the egress policy refuses unless named.
                    egress: {allow_hosts: ["127.0.0.1"]}
                    """
                try await RunningSwitchboard.run(yaml: yaml, plugins: [.dingTalk, .dify]) { server in
                    try await body(server, fake, dify)
                }
            }
        }
    }

    @Test("a picture ▸ downloaded through its pre-signed URL and uploaded to Dify; an unknown download code ▸ a notice; audio with recognition ▸ its text")
    func pictureUnknownAndVoice() async throws {
        try await Self.withServer { server, fake, dify in
            fake.serveFile("dl-pic-1", data: Self.png, contentType: "image/png")
            #expect(try await Self.post(server, fake, msgID: "pic-1", type: "picture", content: ["downloadCode": "dl-pic-1", "pictureDownloadCode": "pic-1"]) == 200)
            let calls = try await dify.waitForCalls(count: 1)
            #expect(dify.uploads.first?.data == Self.png && dify.uploads.first?.mimeType == "image/png")
            #expect(calls.first?.query == "请描述这张图片。")
            #expect(fake.downloads.first?.code == "dl-pic-1" && fake.downloads.first?.robot == FakeDingTalk.appKey)

            #expect(try await Self.post(server, fake, msgID: "file-2", type: "file", content: ["downloadCode": "dl-gone", "fileName": "a.pdf"]) == 200)
            try await fake.waitFor("the notice") { fake.sessionPosts.contains { String(decoding: JSONWriter.data($0), as: UTF8.self).contains("已过期") } }

            #expect(try await Self.post(server, fake, msgID: "voice-3", type: "audio", content: ["downloadCode": "dl-audio", "duration": 3000, "recognition": "明天几点开会"]) == 200)
            let after = try await dify.waitForCalls(count: 2)
            #expect(after.last?.query == "明天几点开会" && after.last?.body["files"] == nil)
            #expect(fake.downloads.map(\.code) == ["dl-pic-1", "dl-gone"], "the voice was not downloaded")
        }
    }

    @Test("a 50 MB file is refused from its Content-Length (the user told the limit, Dify not asked); the answer's picture arrives as a Markdown image by its URL and its file as a 📎 link")
    func hugeFileAndAnswerPictures() async throws {
        try await Self.withServer { server, fake, dify in
            fake.serveFile("dl-huge", data: Data(repeating: 0x42, count: 50 << 20), contentType: "application/zip")
            #expect(try await Self.post(server, fake, msgID: "huge-1", type: "file", content: ["downloadCode": "dl-huge", "fileName": "全量日志.zip"]) == 200)
            try await fake.waitFor("the notice") { fake.sessionPosts.contains { String(decoding: JSONWriter.data($0), as: UTF8.self).contains("文件太大") } }
            #expect(dify.calls.isEmpty && dify.uploads.isEmpty)

            let events = FakeDifyEvents()
            dify.enqueue(.stream([
                events.message("图表和报告如下："), events.messageFile(url: "https://files.example.com/chart.png"),
                events.messageFile(url: "https://files.example.com/report.pdf", type: "document"), events.messageEnd(),
            ]))
            let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
            let question = try DingTalkEndToEndTests.message(
                from: FakeDingTalk.callbackFrame(messageID: "m-ask-2", msgID: "ask-2", text: "要图表", sessionWebhook: fake.sessionWebhook, expires: alive, group: false)
            )
            #expect(try await Self.send(server, question) == 200)
            try await fake.waitFor("the answer") { fake.sessionPosts.contains { $0["markdown"]?["text"]?.string?.contains("图表和报告如下") == true } }
            let answer = fake.sessionPosts.last { $0["markdown"]?["text"]?.string?.contains("图表和报告如下") == true }?["markdown"]?["text"]?.string ?? ""
            #expect(answer.contains("![](https://files.example.com/chart.png)"), "\(answer)")
            #expect(answer.contains("📎 [report.pdf](https://files.example.com/report.pdf)"), "\(answer)")
        }
    }
}
