import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting
import Testing

/// The generic adapter's media: URLs in segments, fetched when the answer starts and given to the
/// backend as attachments, the type from the bytes; over `max_media_bytes` or gone ▸ the user is
/// told and, with nothing else to ask, the backend is not asked.
@Suite("Generic adapter media")
struct GenericMediaTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("fixture-image-bytes".utf8)

    static func message(_ id: String, text: String, segments: [[String: Any]]) -> Data {
        let json: [String: Any] = [
            "id": id, "platform": "generic", "conversation": ["id": "chat-1", "type": "direct"], "sender": ["id": "u-1"],
            "text": text, "segments": segments, "timestamp": 1_718_000_000_000,
        ]
        return try! JSONSerialization.data(withJSONObject: json)
    }

    @Test("an image url ▸ an attachment with the bytes and the sniffed type; a file over max_media_bytes (no Content-Length: stopped at the limit) and a 404 ▸ notices, the backend not asked")
    func attachments() async throws {
        let big = Data(repeating: 0x41, count: 2048)
        try await LoopbackServer.withRunning(respond: { request in
            switch request.path {
            case "/files/chart": WebhookResponse(status: .ok, headers: [.contentType: "text/plain"], body: Self.png)
            case "/files/big.bin": WebhookResponse(status: .ok, headers: [.contentType: "application/octet-stream"], body: big)
            default: WebhookResponse(status: .notFound)
            }
        }) { files in
            try await LoopbackServer.withRunning { callback in
                let backend = ScriptedBackend(answer: "好的")
                let yaml = """
                    backends: {scripted: {type: scripted}}
                    bots: {app: {platform: generic, secret: "\(RunningSwitchboard.secret)", callback_url: "\(callback.url)/reply", max_media_bytes: 1KB}}
                    engine: {poll_interval: 50ms}
                    # The files are served on loopback, which the egress policy refuses unless named.
                    egress: {allow_hosts: ["127.0.0.1"]}
                    """
                try await RunningSwitchboard.run(yaml: yaml, backends: [ScriptedBackendFactory(type: "scripted", backend: backend)]) { server in
                    let image = Self.message("m-1", text: "这张图说明了什么？", segments: [["type": "text", "text": "这张图说明了什么？"], ["type": "image", "url": files.url + "/files/chart"]])
                    #expect(try await server.post(image).status == 200)
                    _ = try await callback.waitForRequests(count: 1)
                    let attachment = try #require(backend.requests.first?.attachments.first)
                    #expect(try attachment.data() == Self.png && attachment.mimeType == "image/png" && attachment.kind == .image && attachment.name == "chart")

                    let tooBig = Self.message("m-2", text: "", segments: [["type": "file", "url": files.url + "/files/big.bin"]])
                    #expect(try await server.post(tooBig).status == 200)
                    let gone = Self.message("m-3", text: "", segments: [["type": "file", "url": files.url + "/files/missing.pdf"]])
                    #expect(try await server.post(gone).status == 200)
                    let replies = try Callback.all(try await callback.waitForRequests(count: 3))
                    #expect(replies.contains { $0.markdown.contains("文件太大，超过了 1 KB 的上限") }, "\(replies.map(\.markdown))")
                    #expect(replies.contains { $0.markdown.contains("已过期") })
                    #expect(backend.requests.count == 1, "only the picture reached the backend")
                }
            }
        }
    }

    @Test("a generic event's media URLs are fetched under the egress policy: an internal address, or a redirect to one, is never fetched and the user is told; the allowed host's file arrives")
    func internalMediaIsNotFetched() async throws {
        try await EgressServers.withRunning { servers in
            try await LoopbackServer.withRunning { callback in
                let backend = ScriptedBackend(answer: "好的")
                let yaml = """
                    backends: {scripted: {type: scripted}}
                    bots: {app: {platform: generic, secret: "\(RunningSwitchboard.secret)", callback_url: "\(callback.url)/reply"}}
                    engine: {poll_interval: 50ms}
                    \(EgressServers.yaml)
                    """
                try await RunningSwitchboard.run(yaml: yaml, backends: [ScriptedBackendFactory(type: "scripted", backend: backend)]) { server in
                    let allowed = Self.message("e-1", text: "看图", segments: [["type": "image", "url": servers.allowedPicture]])
                    #expect(try await server.post(allowed).status == 200)
                    _ = try await callback.waitForRequests(count: 1)
                    #expect(try backend.requests.first?.attachments.first?.data() == EgressServers.png)
                    for (index, url) in [servers.internalPicture, servers.redirectingPicture, "http://169.254.169.254/latest/meta-data/"].enumerated() {
                        let message = Self.message("e-\(index + 2)", text: "", segments: [["type": "image", "url": url]])
                        #expect(try await server.post(message).status == 200)
                        _ = try await callback.waitForRequests(count: index + 2)
                    }
                    #expect(backend.requests.count == 1, "a message whose only picture is refused is not sent on as a picture")
                    #expect(servers.internal.requests.isEmpty, "the internal server was reached: \(servers.internal.requests.map(\.path))")
                }
            }
        }
    }
}
