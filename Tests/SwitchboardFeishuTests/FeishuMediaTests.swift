import Foundation
import SwitchboardCore
import SwitchboardDify
import SwitchboardFeishu
import SwitchboardPlatformFakes
import SwitchboardTesting
import Testing

/// Pictures and files from Feishu users (platforms-2.md §4.3): downloaded from the message's
/// resources with the tenant token when the answer starts, passed to Dify as uploads; over the
/// limit, gone or refused ▸ the user is told, Dify is not asked.
@Suite("Feishu media", .timeLimit(.minutes(5)))
struct FeishuMediaTests {
    /// The answer's files are served on loopback, which the egress policy refuses unless named.
    static let egress = "\negress: {allow_hosts: [\"127.0.0.1\"]}"

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("fixture-image-bytes".utf8)

    /// A direct message of `type` with `content`, as Feishu sends it.
    static func message(eventID: String, messageID: String, type: String, content: JSONValue) -> [String: JSONValue] {
        var payload = FeishuPlatform.message(eventID: eventID, messageID: messageID, text: "", chatType: "p2p", mentionBot: false)
        guard case .object(var event)? = payload["event"], case .object(var message)? = event["message"] else { return payload }
        message["message_type"] = .string(type)
        message["content"] = .string(String(decoding: JSONWriter.data(content), as: UTF8.self))
        event["message"] = .object(message)
        payload["event"] = .object(event)
        return payload
    }

    static func withServer(egress: String = Self.egress, _ body: (FakeFeishuOpenAPI, FakeDifyServer, FeishuPlatform) async throws -> Void) async throws {
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                try await RunningSwitchboard.run(
                    yaml: FeishuEndToEndTests.yaml(api: api, dify: dify) + egress, environment: FeishuEndToEndTests.environment(dify),
                    adapters: [FeishuAdapterFactory()], backends: [DifyBackendFactory()]
                ) { server in
                    try await body(api, dify, FeishuPlatform(server: server))
                }
            }
        }
    }

    @Test("a picture ▸ downloaded with the token (type=image), its type sniffed from the bytes, uploaded to Dify as the user, asked about with the image query")
    func picture() async throws {
        try await Self.withServer { api, dify, feishu in
            api.serve(.init(bytes: Self.png, contentType: "application/octet-stream"), messageID: "om_img1", key: "img_v2_041b28e3-5680-48c2-9af2-497ace79333g")
            let message = Self.message(eventID: "ev-img1", messageID: "om_img1", type: "image", content: ["image_key": "img_v2_041b28e3-5680-48c2-9af2-497ace79333g"])
            #expect(try await feishu.post(message).status == 200)
            let calls = try await dify.waitForCalls(count: 1)
            #expect(api.resourceRequests == ["om_img1/img_v2_041b28e3-5680-48c2-9af2-497ace79333g?type=image"])
            let upload = try #require(dify.uploads.first)
            #expect(upload.data == Data(Self.png) && upload.mimeType == "image/png" && upload.name == "image.png")
            #expect(upload.user == calls.first?.user && upload.user == "feishu:feishu-main:\(FeishuPlatform.user)")
            #expect(calls.first?.query == "请描述这张图片。")
            #expect(calls.first?.body["files"]?.array?.first?["upload_file_id"] == .string(upload.id))
            try await api.waitFor("the answer") { api.patches.last?.markdown?.contains("请描述这张图片") == true }
        }
    }

    @Test("a 50 MB file is refused from its Content-Length, not read; the user is told the limit and Dify is not asked")
    func hugeFile() async throws {
        try await Self.withServer { api, dify, feishu in
            let megabyte = [UInt8](repeating: 0x42, count: 1 << 20)
            api.serve(.init(bytes: megabyte, repeats: 50), messageID: "om_big", key: "file_v2_big")
            let message = Self.message(eventID: "ev-big", messageID: "om_big", type: "file", content: ["file_key": "file_v2_big", "file_name": "全量日志.zip"])
            #expect(try await feishu.post(message).status == 200)
            try await api.waitFor("the notice") { api.sends.contains { $0.cardMarkdown?.contains("文件太大") == true } || api.patches.contains { $0.markdown?.contains("文件太大") == true } }
            let said = (api.sends.compactMap(\.cardMarkdown) + api.patches.compactMap(\.markdown)).last { $0.contains("文件太大") } ?? ""
            #expect(said.contains("50 MB") && said.contains("15 MB"), "\(said)")
            #expect(api.resourceRequests == ["om_big/file_v2_big?type=file"])
            // The fence: a later message of the same chat, asked after the file's job ended.
            #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-after", messageID: "om_after", text: "之后", chatType: "p2p", mentionBot: false)).status == 200)
            try await waitUntil("the later question asked") { !dify.calls.isEmpty }
            #expect(dify.calls.count == 1 && dify.uploads.isEmpty, "the file was neither uploaded nor asked about")
        }
    }

    @Test("a picture in the answer (Dify's message_file) ▸ fetched, uploaded with im/v1/images, shown in the card by its img_key; one that cannot be fetched stays a link")
    func pictureInTheAnswer() async throws {
        try await LoopbackServer.withRunning(respond: { request in
            request.path == "/files/chart.png"
                ? WebhookResponse(status: .ok, headers: [.contentType: "image/png"], body: Data(Self.png))
                : WebhookResponse(status: .notFound)
        }) { files in
            try await Self.withServer { api, dify, feishu in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.message("这是本周的趋势图："), events.messageFile(url: files.url + "/files/chart.png"),
                    events.messageFile(url: files.url + "/files/gone.png"), events.message("如上。"), events.messageEnd(),
                ]))
                let message = FeishuPlatform.message(eventID: "ev-chart", messageID: "om_chart", text: "给我看看趋势图", chatType: "p2p", mentionBot: false)
                #expect(try await feishu.post(message).status == 200)
                // Partial updates show the whole text before the answer ends; only the final card,
                // written after the upload, names the picture by its key.
                try await api.waitFor("the final card") { api.patches.last?.markdown?.contains("](img_v2_") == true }
                let image = try #require(api.images.first)
                #expect(api.images.count == 1 && image.data == Data(Self.png) && image.contentType == "image/png")
                let card = api.patches.last?.markdown ?? ""
                #expect(card.contains("![](\(image.key))"), "\(card)")
                #expect(card.contains(files.url + "/files/gone.png") && !card.contains("![](\(files.url)"), "a picture that could not be fetched is a link: \(card)")
            }
        }
    }

    @Test("a file in the answer (a Dify document) ▸ uploaded with im/v1/files as pdf and sent as a file message after the card, not a link under it; one that cannot be fetched is sent as a link")
    func fileInTheAnswer() async throws {
        let pdf = Data("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n".utf8)
        try await LoopbackServer.withRunning(respond: { request in
            request.path == "/files/tools/%E5%91%A8%E6%8A%A5.pdf"
                ? WebhookResponse(status: .ok, headers: [.contentType: "application/pdf"], body: pdf)
                : WebhookResponse(status: .notFound)
        }) { files in
            try await Self.withServer { api, dify, feishu in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.message("周报已生成。"), events.messageFile(url: files.url + "/files/tools/%E5%91%A8%E6%8A%A5.pdf", type: "document"),
                    events.messageFile(url: files.url + "/files/tools/gone.xlsx", type: "document"), events.messageEnd(),
                ]))
                let message = FeishuPlatform.message(eventID: "ev-report", messageID: "om_report", text: "生成周报", chatType: "p2p", mentionBot: false)
                #expect(try await feishu.post(message).status == 200)
                try await api.waitFor("the file and the link") { api.sends.count == 3 }
                let uploaded = try #require(api.files.first)
                #expect(api.files.count == 1 && uploaded.fileType == "pdf" && uploaded.fileName == "周报.pdf" && uploaded.data == pdf)
                let sends = api.sends
                #expect(sends[0].msgType == "interactive")
                #expect(sends[1].msgType == "file" && sends[1].body["content"] == .string(#"{"file_key":"\#(uploaded.key)"}"#))
                #expect(sends[2].msgType == "post" && sends[2].body["content"]?.string?.contains("gone.xlsx") == true)
                let card = api.patches.last?.markdown ?? ""
                #expect(card.contains("周报已生成") && !card.contains("📎"), "files are not links under the card: \(card)")
            }
        }
    }

    @Test("a resource Feishu no longer has (234003) or refuses (234004) ▸ a notice, Dify not asked; the token is not the problem")
    func goneOrRefused() async throws {
        try await Self.withServer { api, dify, feishu in
            api.serve(.init(bytes: [], error: (234_004, "app not in chat")), messageID: "om_no", key: "img_v2_no")
            #expect(try await feishu.post(Self.message(eventID: "ev-gone", messageID: "om_gone", type: "image", content: ["image_key": "img_v2_gone"])).status == 200)
            #expect(try await feishu.post(Self.message(eventID: "ev-no", messageID: "om_no", type: "image", content: ["image_key": "img_v2_no"])).status == 200)
            let texts = { api.sends.compactMap(\.cardMarkdown) + api.patches.compactMap(\.markdown) }
            try await api.waitFor("both notices") { texts().contains { $0.contains("已过期") } && texts().contains { $0.contains("没有权限") } }
            #expect(dify.calls.isEmpty)
            #expect(api.tokenFetches == 1)
        }
    }

    @Test("an answer's pictures are fetched under the egress policy: an internal address is never fetched, nor a redirect to one, and stays a link; the allowed host's picture is shown")
    func internalPicturesAreNotFetched() async throws {
        try await EgressServers.withRunning { servers in
            try await Self.withServer(egress: "\n" + EgressServers.yaml) { api, dify, feishu in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.message("图："), events.messageFile(url: servers.internalPicture), events.messageFile(url: servers.redirectingPicture),
                    events.messageFile(url: servers.allowedPicture), events.messageEnd(),
                ]))
                #expect(try await feishu.post(FeishuPlatform.message(eventID: "ev-ssrf", messageID: "om_ssrf", text: "看图", chatType: "p2p", mentionBot: false)).status == 200)
                try await api.waitFor("the final card") { api.patches.last?.markdown?.contains("](img_v2_") == true }
                let card = api.patches.last?.markdown ?? ""
                #expect(api.images.count == 1 && api.images.first?.data == EgressServers.png)
                #expect(card.contains(servers.internalPicture) && card.contains(servers.redirectingPicture), "refused pictures stay links: \(card)")
                #expect(servers.internal.requests.isEmpty, "the internal server was reached: \(servers.internal.requests.map(\.path))")
            }
        }
    }
}
