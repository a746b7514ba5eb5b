import Crypto
import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDify
import SwitchboardPlatformFakes
import SwitchboardTesting
@testable import SwitchboardWeCom
import Testing

/// The AI bot's encrypted media (platforms-2.md §4.2): the verified vectors of §5.2, and a
/// picture over the long connection reaching Dify decrypted.
@Suite("WeCom AI bot media", .timeLimit(.minutes(5)))
struct WeComAIBotMediaTests {
    static let wsKey = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
    static let pngCiphertext = "j5KEDoAeVwonc0MTIWbTgozhFhSFPEUOpvPkfOPYECM="
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("fixture-image-bytes".utf8)

    @Test("§5.2: the per-URL aeskey (unpadded base64) and the EncodingAESKey decrypt the verified ciphertexts, pads up to 32 stripped")
    func vectors() throws {
        let key = try #require(WeComAIBotMedia.key(fromAESKey: Self.wsKey))
        #expect(key == Array(0x20...0x3F))
        #expect(try WeComAIBotMedia.decrypt(Data(base64Encoded: Self.pngCiphertext)!, key: key) == Self.png)

        let httpKey = try WeComCrypto(token: "t", encodingAESKey: "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g", receiveID: "").keyBytes
        let pdf = Data(base64Encoded: "dh3KuPXWxGtV30ZJYQkPyijFh6SMBzIR1SLS7SzLGFQv+VKlvClRbGU5naEy9QZOMI269TIlPc4v57MYaRA3xw==")!
        #expect(try WeComAIBotMedia.decrypt(pdf, key: httpKey) == Data("%PDF-1.4\nfixture file body, exactly thirty-two+ bytes\n".utf8))
        let fullPad = Data(base64Encoded: "IXJjEKn1EKH8KyMi/BQkzicRMfOn5rl6+7BOMlitlFp5hQHXXgTi0WoAqHsx0s3X6+ZC8N5tOFySYZBM3JTyNA==")!
        #expect(try WeComAIBotMedia.decrypt(fullPad, key: httpKey) == Data(repeating: UInt8(ascii: "A"), count: 32))

        // The wrong key leaves no valid padding; a cut file is not whole blocks.
        #expect(throws: MediaError.self) { try WeComAIBotMedia.decrypt(pdf, key: key) }
        #expect(throws: MediaError.self) { try WeComAIBotMedia.decrypt(pdf.dropLast(3), key: httpKey) }
        #expect(WeComAIBotMedia.key(fromAESKey: "c2hvcnQ") == nil)
    }

    @Test("a picture over the long connection ▸ its URL fetched, decrypted with the push's aeskey, uploaded to Dify as a PNG; an expired URL ▸ the user is told, Dify not asked")
    func pictureOverTheSocket() async throws {
        let ciphertext = Data(base64Encoded: Self.pngCiphertext)!
        try await LoopbackServer.withRunning(respond: { request in
            request.path == "/cos/expired.png"
                ? WebhookResponse(status: .forbidden, body: Data("<Error><Code>AccessDenied</Code></Error>".utf8))
                : WebhookResponse(status: .ok, headers: [.contentType: "application/octet-stream"], body: ciphertext)
        }) { cos in
            try await Self.withSocketBot { fake, dify in
                try await fake.push(Self.image(reqID: "REQ-IMG", msgid: "msg-img", url: cos.url + "/cos/abc.png", aeskey: Self.wsKey))
                let calls = try await dify.waitForCalls(count: 1)
                let upload = try #require(dify.uploads.first)
                #expect(upload.data == Self.png && upload.mimeType == "image/png")
                #expect(calls.first?.query == "请描述这张图片。")
                try await fake.waitFor("the answer") { fake.commands("aibot_respond_msg").contains { $0.reqID == "REQ-IMG" && $0.body["stream"]?["finish"] == .bool(true) } }

                try await fake.push(Self.image(reqID: "REQ-OLD", msgid: "msg-old", url: cos.url + "/cos/expired.png", aeskey: Self.wsKey))
                try await fake.waitFor("the notice") { fake.commands("aibot_respond_msg").contains { $0.reqID == "REQ-OLD" && $0.body["stream"]?["finish"] == .bool(true) } }
                let notice = fake.commands("aibot_respond_msg").last { $0.reqID == "REQ-OLD" }?.body["stream"]?["content"]?.string ?? ""
                #expect(notice.contains("已过期"), "\(notice)")
                #expect(dify.calls.count == 1 && dify.uploads.count == 1)
            }
        }
    }

    /// A running server with a long-connection AI bot (subscribed) answered by a fake Dify.
    static func withSocketBot(_ body: (FakeWeComAIBotSocket, FakeDifyServer) async throws -> Void) async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            try await FakeWeComAIBotSocket.withRunning { fake in
                let yaml = """
                    backends: {dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "\(dify.apiKey)", app: chat}}
                    bots:
                      aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret),
                              ws_url: "\(fake.url)", update_interval: 300ms}
                    engine: {poll_interval: 50ms}
                    # The files are served on loopback, which the egress policy refuses unless named.
                    egress: {allow_hosts: ["127.0.0.1"]}
                    """
                try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom, .dify]) { _ in
                    try await fake.waitFor("the subscription") { fake.isSubscribed }
                    try await body(fake, dify)
                }
            }
        }
    }

    /// The answer's chart as a loopback file server has it; anything else is a 404.
    static func withPictures(_ body: (String) async throws -> Void) async throws {
        try await LoopbackServer.withRunning(respond: { request in
            request.path == "/files/chart.png" ? WebhookResponse(status: .ok, headers: [.contentType: "image/png"], body: png) : WebhookResponse(status: .notFound)
        }) { files in try await body(files.url) }
    }

    static let md5OfPNG = Insecure.MD5.hash(data: png).map { String(format: "%02x", $0) }.joined()

    @Test("a picture in the answer over HTTP callbacks ▸ the finishing frame a poll reads carries it in msg_item (base64, md5 of the bytes), not as a link; one that cannot be fetched stays a link")
    func pictureInTheAnswerOverHTTP() async throws {
        try await Self.withPictures { files in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.message("趋势图："), events.messageFile(url: files + "/files/chart.png"), events.messageFile(url: files + "/files/gone.png"),
                    events.messageEnd(),
                ]))
                let yaml = """
                    backends: {dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "\(dify.apiKey)", app: chat}}
                    bots:
                      \(WeComAIBotStreamTests.bot)
                    engine: {poll_interval: 50ms}
                    # The files are served on loopback, which the egress policy refuses unless named.
                    egress: {allow_hosts: ["127.0.0.1"]}
                    """
                try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom, .dify]) { server in
                    let wecom = WeComPlatform(server: server)
                    let ack = try await wecom.postAIBot(json: WeComAIBotStreamTests.message("chart0000001", text: "趋势图"))
                    let stream = try #require(ack.answer.stream)
                    let content = try await WeComAIBotStreamTests.pollUntilFinished(wecom, stream: stream.id)
                    #expect(content.hasPrefix("趋势图：") && !content.contains("chart.png") && content.contains("gone.png"), "\(content)")
                    let refresh = """
                        {"msgid":"poll-last","aibotid":"aibAbCdEfGhIjKlMnOpQrStUvWxYz012","chatid":"wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w",\
                        "chattype":"group","from":{"userid":"zhangsan"},"msgtype":"stream","stream":{"id":"\(stream.id)"}}
                        """
                    let last = try await wecom.postAIBot(json: refresh).answer
                    let items = last["stream"]?["msg_item"]?.array ?? []
                    #expect(items.count == 1)
                    #expect(items.first?["msgtype"] == "image" && items.first?["image"]?["base64"] == .string(Self.png.base64EncodedString()))
                    #expect(items.first?["image"]?["md5"] == .string(Self.md5OfPNG))
                }
            }
        }
    }

    @Test("a picture in the answer over the long connection ▸ msg_item on the finish frame only")
    func pictureInTheAnswerOverTheSocket() async throws {
        try await Self.withPictures { files in
            try await Self.withSocketBot { fake, dify in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([events.message("趋势图："), events.messageFile(url: files + "/files/chart.png"), events.messageEnd()]))
                try await fake.push(FakeWeComAIBotSocket.message(reqID: "REQ-CHART", msgid: "msg-chart", text: "趋势图"))
                try await fake.waitFor("the answer") { fake.commands("aibot_respond_msg").contains { $0.reqID == "REQ-CHART" && $0.body["stream"]?["finish"] == .bool(true) } }
                let frames = fake.commands("aibot_respond_msg").filter { $0.reqID == "REQ-CHART" }
                let last = try #require(frames.last)
                #expect(frames.dropLast().allSatisfy { $0.body["stream"]?["msg_item"] == nil })
                #expect(last.body["stream"]?["msg_item"]?.array?.first?["image"]?["md5"] == .string(Self.md5OfPNG))
                #expect(last.body["stream"]?["content"]?.string?.contains("chart.png") == false)
            }
        }
    }

    /// An image push as the long connection carries it (platforms-2.md §2.3): `image.{url,aeskey}`.
    static func image(reqID: String, msgid: String, url: String, aeskey: String) -> JSONValue {
        [
            "cmd": "aibot_msg_callback", "headers": ["req_id": .string(reqID)],
            "body": [
                "msgid": .string(msgid), "aibotid": .string(FakeWeComAIBotSocket.botID), "chattype": "single", "from": ["userid": "zhangsan"],
                "create_time": .number(Date().timeIntervalSince1970.rounded()), "msgtype": "image", "image": ["url": .string(url), "aeskey": .string(aeskey)],
            ],
        ]
    }

    @Test("an AI-bot answer's pictures are fetched under the egress policy: an internal address, or a redirect to one, is never fetched and stays a link; the allowed host's picture goes in msg_item")
    func internalPicturesAreNotFetched() async throws {
        try await EgressServers.withRunning { servers in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                let events = FakeDifyEvents()
                dify.enqueue(.stream([
                    events.message("图："), events.messageFile(url: servers.internalPicture), events.messageFile(url: servers.redirectingPicture),
                    events.messageFile(url: servers.allowedPicture), events.messageEnd(),
                ]))
                let yaml = """
                    backends: {dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "\(dify.apiKey)", app: chat}}
                    bots:
                      \(WeComAIBotStreamTests.bot)
                    engine: {poll_interval: 50ms}
                    \(EgressServers.yaml)
                    """
                try await RunningSwitchboard.run(yaml: yaml, plugins: [.weCom, .dify]) { server in
                    let wecom = WeComPlatform(server: server)
                    let ack = try await wecom.postAIBot(json: WeComAIBotStreamTests.message("ssrf00000001", text: "看图"))
                    let stream = try #require(ack.answer.stream)
                    let content = try await WeComAIBotStreamTests.pollUntilFinished(wecom, stream: stream.id)
                    #expect(content.contains(servers.internalPicture) && content.contains(servers.redirectingPicture), "refused pictures stay links: \(content)")
                    #expect(!content.contains(servers.allowedPicture), "the allowed picture moved into msg_item")
                    #expect(servers.internal.requests.isEmpty, "the internal server was reached: \(servers.internal.requests.map(\.path))")
                }
            }
        }
    }
}
