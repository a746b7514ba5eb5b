import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting
import Testing

/// The generic adapter's media: URLs in segments, fetched when the answer starts and given to the
/// backend as attachments, the type from the bytes; over `max_media_bytes` or gone ▸ the user is
/// told and, with nothing else to ask, the backend is not asked.
@Suite("Generic adapter media", .timeLimit(.minutes(5)))
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

    @Test("a message's media are bounded as a whole: of twelve pictures ten are fetched and the user is told about two; past media_bytes_per_message the rest are skipped")
    func mediaPerMessageAreBounded() async throws {
        let kilobyte = Data(repeating: 0x41, count: 700)
        try await LoopbackServer.withRunning(respond: { request in
            request.path.hasPrefix("/pics/")
                ? WebhookResponse(status: .ok, headers: [.contentType: "image/png"], body: Self.png)
                : WebhookResponse(status: .ok, headers: [.contentType: "application/octet-stream"], body: kilobyte)
        }) { files in
            try await LoopbackServer.withRunning { callback in
                let backend = ScriptedBackend(answer: "好的")
                let yaml = """
                    backends: {scripted: {type: scripted}}
                    bots: {app: {platform: generic, secret: "\(RunningSwitchboard.secret)", callback_url: "\(callback.url)/reply"}}
                    engine: {poll_interval: 50ms, media_bytes_per_message: 1KB}
                    egress: {allow_hosts: ["127.0.0.1"]}
                    """
                try await RunningSwitchboard.run(yaml: yaml, backends: [ScriptedBackendFactory(type: "scripted", backend: backend)]) { server in
                    let pictures = (1...12).map { ["type": "image", "url": files.url + "/pics/\($0).png"] as [String: Any] }
                    #expect(try await server.post(Self.message("p-1", text: "十二张图", segments: pictures)).status == 200)
                    let first = try Callback.all(try await callback.waitForRequests(count: 1))
                    #expect(backend.requests.first?.attachments.count == 10)
                    #expect(first.contains { $0.markdown.contains("另外 2 个没有处理") }, "\(first.map(\.markdown))")
                    #expect(files.requests.count == 10, "the eleventh and twelfth were never fetched")

                    let big = (1...3).map { ["type": "file", "url": files.url + "/files/\($0).bin"] as [String: Any] }
                    #expect(try await server.post(Self.message("p-2", text: "三个文件", segments: big)).status == 200)
                    let second = try Callback.all(try await callback.waitForRequests(count: 2))
                    #expect(backend.requests.last?.attachments.count == 1, "700 bytes fit 1 KB, 1,400 do not")
                    #expect(second.last?.markdown.contains("另外 2 个没有处理") == true, "\(second.map(\.markdown))")
                }
            }
        }
    }

    @Test("temporary media files a killed process left behind are removed at start; a running one's fresh files are not")
    func staleTemporaryFilesAreRemoved() throws {
        let folder = FileManager.default.temporaryDirectory
        let old = folder.appendingPathComponent("switchboard-media-left-behind-\(UUID().uuidString)")
        let fresh = folder.appendingPathComponent("switchboard-media-in-use-\(UUID().uuidString)")
        #expect(FileManager.default.createFile(atPath: old.path, contents: Data("x".utf8)))
        #expect(FileManager.default.createFile(atPath: fresh.path, contents: Data("x".utf8)))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: old.path)
        defer { try? FileManager.default.removeItem(at: fresh) }
        #expect(TemporaryFile.removeStale() >= 1)
        #expect(!FileManager.default.fileExists(atPath: old.path) && FileManager.default.fileExists(atPath: fresh.path))
    }
}
