import Foundation
import SwitchboardCore
import SwitchboardDify
import SwitchboardTesting
import SwitchboardWeCom
import Testing

/// A self-built app's pictures and voice (platforms-2.md §4.1): media/get with the access token
/// when the answer starts; a big file in Range chunks; an expired MediaId a notice; a voice note
/// with WeCom's transcript answered as text, nothing downloaded.
@Suite("WeCom app media", .timeLimit(.minutes(5)))
struct WeComAppMediaTests {
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46]) + Data(repeating: 0x11, count: 300)

    static func xml(msgID: Int, type: String, fields: String) -> String {
        "<xml><ToUserName><![CDATA[\(FakeQyAPI.corpID)]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            + "<CreateTime>\(Int(Date().timeIntervalSince1970))</CreateTime><MsgType><![CDATA[\(type)]]></MsgType>\(fields)"
            + "<MsgId>\(msgID)</MsgId><AgentID>1000002</AgentID></xml>"
    }

    static func run(maxMedia: String = "15MB", egress: String = #"egress: {allow_hosts: ["127.0.0.1"]}"#, _ body: (FakeQyAPI, FakeDifyServer, WeComPlatform) async throws -> Void) async throws {
        try await FakeQyAPI.withRunning { api in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                let yaml = """
                    backends: {dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "\(dify.apiKey)", app: chat}}
                    bots:
                      wecom-app: {platform: wecom, mode: app, corp_id: \(FakeQyAPI.corpID), agent_id: 1000002, secret: "\(FakeQyAPI.secret)",
                                  \(WeComEndToEndTests.keys), api_base: "\(api.url)", max_media_bytes: \(maxMedia)}
                    engine: {poll_interval: 50ms}
                    # The files are served on loopback, which the egress policy refuses unless named.
                    \(egress)
                    """
                try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom, .dify]) { server in
                    try await body(api, dify, WeComPlatform(server: server))
                }
            }
        }
    }

    @Test("a picture ▸ media/get with the token, JPEG sniffed, uploaded to Dify; an expired MediaId ▸ a notice; a voice note with Recognition ▸ its text, nothing downloaded")
    func pictureExpiredAndVoice() async throws {
        try await Self.run { api, dify, wecom in
            api.serveMedia("1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", data: Self.jpeg, contentType: "image/jpeg")
            let image = Self.xml(msgID: 8_000_001, type: "image", fields: "<PicUrl><![CDATA[https://wework.qpic.cn/x]]></PicUrl><MediaId><![CDATA[1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0]]></MediaId>")
            #expect(try await wecom.postApp(xml: image).status == 200)
            _ = try await dify.waitForCalls(count: 1)
            let upload = try #require(dify.uploads.first)
            #expect(upload.data == Self.jpeg && upload.mimeType == "image/jpeg")
            #expect(upload.name == "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0.jpg", "the name from Content-Disposition")
            _ = try await api.waitForSends(count: 1)

            let expired = Self.xml(msgID: 8_000_002, type: "image", fields: "<PicUrl><![CDATA[https://wework.qpic.cn/y]]></PicUrl><MediaId><![CDATA[gone]]></MediaId>")
            #expect(try await wecom.postApp(xml: expired).status == 200)
            try await api.waitFor("the notice") { api.sends.contains { WeComEndToEndTests.content($0)?.contains("已过期") == true } }

            let voice = Self.xml(msgID: 8_000_003, type: "voice", fields: "<MediaId><![CDATA[voice-1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[明天几点开会]]></Recognition>")
            #expect(try await wecom.postApp(xml: voice).status == 200)
            let calls = try await dify.waitForCalls(count: 2)
            #expect(calls.last?.query == "明天几点开会" && calls.last?.body["files"] == nil)
            #expect(api.mediaRequests == ["1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", "gone"], "the voice was not downloaded")
        }
    }

    @Test("a picture in the answer (Dify's message_file) ▸ after the text, uploaded with media/upload?type=image and sent as an image message")
    func pictureInTheAnswer() async throws {
        try await LoopbackServer.withRunning(respond: { request in
            request.path == "/files/chart.png"
                ? WebhookResponse(status: .ok, headers: [.contentType: "image/png"], body: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("chart".utf8))
                : WebhookResponse(status: .notFound)
        }) { files in
            try await Self.run { api, dify, wecom in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([events.message("趋势图如下："), events.messageFile(url: files.url + "/files/chart.png"), events.messageEnd()]))
                let question = Self.xml(msgID: 8_000_020, type: "text", fields: "<Content><![CDATA[看看趋势图]]></Content>")
                #expect(try await wecom.postApp(xml: question).status == 200)
                let sends = try await api.waitForSends(count: 2)
                #expect(WeComEndToEndTests.content(sends[0])?.contains("趋势图如下") == true)
                let upload = try #require(api.uploads.first)
                #expect(api.uploads.count == 1 && upload.type == "image" && upload.contentType == "image/png" && upload.data.count == 13)
                #expect(sends[1]["msgtype"] == "image" && sends[1]["image"]?["media_id"] == .string(upload.mediaID) && sends[1]["touser"] == "zhangsan")
            }
        }
    }

    @Test("a file in the answer (a Dify document) ▸ after the text, uploaded with media/upload?type=file and sent as a file message; one that cannot be fetched goes as a link; no link under the text")
    func fileInTheAnswer() async throws {
        let xlsx = Data([0x50, 0x4B, 0x03, 0x04]) + Data(repeating: 0x20, count: 60)
        try await LoopbackServer.withRunning(respond: { request in
            request.path == "/files/sales.xlsx"
                ? WebhookResponse(status: .ok, headers: [.contentType: "application/octet-stream"], body: xlsx)
                : WebhookResponse(status: .notFound)
        }) { files in
            try await Self.run { api, dify, wecom in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.message("销售表已导出。"), events.messageFile(url: files.url + "/files/sales.xlsx", type: "document"),
                    events.messageFile(url: files.url + "/files/gone.pdf", type: "document"), events.messageEnd(),
                ]))
                let question = Self.xml(msgID: 8_000_021, type: "text", fields: "<Content><![CDATA[导出销售表]]></Content>")
                #expect(try await wecom.postApp(xml: question).status == 200)
                let sends = try await api.waitForSends(count: 3)
                let text = WeComEndToEndTests.content(sends[0]) ?? ""
                #expect(text.contains("销售表已导出") && !text.contains("sales.xlsx"), "\(text)")
                let upload = try #require(api.uploads.first)
                #expect(api.uploads.count == 1 && upload.type == "file" && upload.data == xlsx)
                #expect(upload.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                #expect(sends[1]["msgtype"] == "file" && sends[1]["file"]?["media_id"] == .string(upload.mediaID))
                #expect(WeComEndToEndTests.content(sends[2])?.contains(files.url + "/files/gone.pdf") == true)
            }
        }
    }

    @Test("a 25 MB video (830002 for one download) ▸ fetched in 20 MB Range chunks when the limit allows; refused without downloading when it does not")
    func rangedDownload() async throws {
        let video = Data([0x00, 0x00, 0x00, 0x18]) + Data("ftypmp42".utf8) + Data(repeating: 0x22, count: 25 << 20)
        try await Self.run(maxMedia: "30MB") { api, dify, wecom in
            api.serveMedia("video-1", data: video, contentType: "video/mp4")
            #expect(try await wecom.postApp(xml: Self.xml(msgID: 8_000_010, type: "video", fields: "<MediaId><![CDATA[video-1]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>")).status == 200)
            _ = try await dify.waitForCalls(count: 1, timeout: .seconds(60))
            #expect(api.mediaRequests == ["video-1", "video-1 bytes=0-20971519", "video-1 bytes=20971520-41943039"])
            #expect(dify.uploads.first?.data == video && dify.uploads.first?.mimeType == "video/mp4")
        }
        try await Self.run { api, dify, wecom in
            api.serveMedia("video-1", data: video, contentType: "video/mp4")
            #expect(try await wecom.postApp(xml: Self.xml(msgID: 8_000_011, type: "video", fields: "<MediaId><![CDATA[video-1]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>")).status == 200)
            try await api.waitFor("the notice") { api.sends.contains { WeComEndToEndTests.content($0)?.contains("文件太大") == true } }
            #expect(api.mediaRequests == ["video-1"] && dify.calls.isEmpty)
        }
    }

    @Test("an answer's pictures are fetched under the egress policy: an internal address is never fetched, nor a redirect to one; the allowed host's picture is sent as an image")
    func internalPicturesAreNotFetched() async throws {
        try await EgressServers.withRunning { servers in
            try await Self.run(egress: EgressServers.yaml) { api, dify, wecom in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.message("图："), events.messageFile(url: servers.internalPicture), events.messageFile(url: servers.redirectingPicture),
                    events.messageFile(url: servers.allowedPicture), events.messageEnd(),
                ]))
                let question = Self.xml(msgID: 8_000_090, type: "text", fields: "<Content><![CDATA[看图]]></Content>")
                #expect(try await wecom.postApp(xml: question).status == 200)
                let sends = try await api.waitForSends(count: 2)
                #expect(api.uploads.count == 1 && api.uploads.first?.data == EgressServers.png)
                #expect(sends.contains { $0["msgtype"] == "image" })
                #expect(servers.internal.requests.isEmpty, "the internal server was reached: \(servers.internal.requests.map(\.path))")
            }
        }
    }
}
