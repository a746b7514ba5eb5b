package import Foundation
import HTTPTypes
package import SwitchboardCore
package import SwitchboardTesting
package import Synchronization

/// The Feishu Open API on loopback, speaking its JSON (platforms.md §2c): the tenant token (checks
/// app id and secret), bot info, reply, create and PATCH (check the token; a repeated `uuid` gives
/// the first message back, as Feishu's idempotency does). Tests can expire the token, script error
/// codes and drop connections for the next sends.
package final class FakeFeishuOpenAPI: Sendable {
    package static let appID = "cli_a1b2c3d4e5f6a7b8"
    package static let appSecret = "fakeAppSecretXXXXXXXXXXXXXXXXXXX"
    package static let botOpenID = "ou_bot0000000000000000000000000000"

    package enum Fault: Sendable {
        case code(Int, String, status: Int = 400)
        case drop
        case rateLimited(resetSeconds: Int)
    }

    /// A message send (reply or create) as the fake received it.
    package struct Send: Sendable {
        package var path: String
        package var body: [String: JSONValue]
        package var messageID: String
        package var msgType: String? { body["msg_type"]?.string }
        package var uuid: String? { body["uuid"]?.string }
        /// The card's markdown, when the message is a card.
        package var cardMarkdown: String? { FakeFeishuOpenAPI.cardMarkdown(body["content"]?.string) }
    }

    package struct Patch: Sendable {
        package var messageID: String
        package var markdown: String?
        package var updateMulti: Bool
    }

    /// A CardKit card entity and what was done to it.
    package struct CardKitCard: Sendable {
        package var id: String
        package var initial: JSONValue
        package var sequence = 0
        package var streaming = true
        /// Every content PUT, in order: (sequence, content).
        package var contents: [(sequence: Int, content: String)] = []
        package var settings: [(sequence: Int, config: JSONValue)] = []
        package var refusals: [Int] = []
        package var content: String? { contents.last?.content }
    }

    package struct State {
        package var cards: [String: CardKitCard] = [:]
        package var cardOrder: [String] = []
        package var cardKitRefused = false
        /// Content PUTs answered by a dropped connection after being applied (the "did it arrive?" case).
        package var dropContentPuts: Set<Int> = []
        package var contentPuts = 0
        package var tokenNumber = 0
        package var validToken: String?
        package var tokenFetches = 0
        package var botInfoCalls = 0
        package var sends: [Send] = []
        /// Messages `GET /open-apis/im/v1/messages/{id}` answers, by id (besides the bot's own).
        package var messages: [String: (msgType: String, content: String)] = [:]
        package var messageReads: [String] = []
        package var sendAttempts: [Send] = []
        package var patches: [Patch] = []
        package var byUUID: [String: String] = [:]
        package var faults: [Fault] = []
        package var refusedTypes: Set<String> = []
        package var refusedPatchText: String?
        /// `message_id/key` ▸ the resource served by im/v1/messages/…/resources (platforms-2.md §4.3).
        package var resources: [String: Resource] = [:]
        /// Every resource download asked for: `message_id/key?type=…`.
        package var resourceRequests: [String] = []
        /// Images uploaded with im/v1/images: (image_key, bytes, type).
        package var images: [(key: String, data: Data, contentType: String)] = []
        /// Files uploaded with im/v1/files.
        package var files: [UploadedFile] = []
    }

    /// A file uploaded with `im/v1/files`: its key, `file_type`, `file_name` and bytes.
    package struct UploadedFile: Sendable {
        package var key: String
        package var fileType: String
        package var fileName: String
        package var data: Data
    }

    /// A picture or file a message carries, as the fake serves it: its bytes (repeated `repeats`
    /// times, so a huge file costs one buffer), the Content-Type Feishu would claim, or a JSON error.
    package struct Resource: Sendable {
        package var bytes: [UInt8]
        package var repeats = 1
        package var contentType = "application/octet-stream"
        package var error: (code: Int, msg: String)?

        package init(bytes: [UInt8], repeats: Int = 1, contentType: String = "application/octet-stream", error: (code: Int, msg: String)? = nil) {
            self.bytes = bytes
            self.repeats = repeats
            self.contentType = contentType
            self.error = error
        }
    }

    package let state = Mutex(State())
    private let urlBox = Mutex("")

    package var url: String { urlBox.withLock { $0 } }
    package var tokenFetches: Int { state.withLock { $0.tokenFetches } }
    package var botInfoCalls: Int { state.withLock { $0.botInfoCalls } }
    package var sends: [Send] { state.withLock { $0.sends } }
    package var sendAttempts: [Send] { state.withLock { $0.sendAttempts } }
    package var patches: [Patch] { state.withLock { $0.patches } }

    package static func withRunning<T: Sendable>(_ body: (FakeFeishuOpenAPI) async throws -> T) async throws -> T {
        let fake = FakeFeishuOpenAPI()
        return try await LoopbackServer.withRunning(streaming: { fake.respond($0) }) { server in
            fake.urlBox.withLock { $0 = server.url }
            return try await body(fake)
        }
    }

    /// A message of someone else's in the chat, for `GET /open-apis/im/v1/messages/{id}`.
    package func remember(message id: String, msgType: String = "text", content: String) {
        state.withLock { $0.messages[id] = (msgType, content) }
    }

    package var messageReads: [String] { state.withLock { $0.messageReads } }

    package func expireToken() { state.withLock { $0.validToken = nil } }
    /// Serves `resource` for `key` of message `messageID`.
    package func serve(_ resource: Resource, messageID: String, key: String) { state.withLock { $0.resources["\(messageID)/\(key)"] = resource } }
    package var resourceRequests: [String] { state.withLock { $0.resourceRequests } }
    package var images: [(key: String, data: Data, contentType: String)] { state.withLock { $0.images } }
    package var files: [UploadedFile] { state.withLock { $0.files } }
    package var cards: [CardKitCard] { state.withLock { state in state.cardOrder.compactMap { state.cards[$0] } } }
    /// CardKit calls are refused as an app without the permission is (99991672).
    package func refuseCardKit() { state.withLock { $0.cardKitRefused = true } }
    /// The `n`-th content PUT (1-based) is applied, then its connection dropped.
    package func dropContentPut(_ n: Int) { state.withLock { _ = $0.dropContentPuts.insert(n) } }
    /// The next message sends meet these faults, in order.
    package func faultNextSends(_ faults: Fault...) { state.withLock { $0.faults += faults } }
    /// Messages of this `msg_type` are refused (code 230099, as for a card the chat cannot show).
    package func refuse(msgType: String) { state.withLock { _ = $0.refusedTypes.insert(msgType) } }
    /// PATCHes of a card whose markdown contains `text` are refused (230099, content it cannot show).
    package func refusePatches(containing text: String) { state.withLock { $0.refusedPatchText = text } }

    package func waitFor(_ description: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        try await waitUntil(description, timeout: timeout, condition)
    }

    package static func cardMarkdown(_ content: String?) -> String? {
        guard let content, let card = try? JSONDecoder().decode(JSONValue.self, from: Data(content.utf8)) else { return nil }
        return card["elements"]?.array?.first?["content"]?.string
    }

    // MARK: Answers

    package func respond(_ request: RecordedRequest) -> LoopbackResponse {
        let body = (try? JSONDecoder().decode([String: JSONValue].self, from: request.body)) ?? [:]
        let path = request.path
        if request.method == "POST", path == "/open-apis/auth/v3/tenant_access_token/internal" {
            guard body["app_id"] == .string(Self.appID), body["app_secret"] == .string(Self.appSecret) else {
                return Self.json(#"{"code":10014,"msg":"app secret invalid"}"#, status: 400)
            }
            let token = state.withLock { state -> String in
                state.tokenFetches += 1
                state.tokenNumber += 1
                state.validToken = "t-g1044ghJRUIJJ5ELKRSBZWLRBHYOMHCAPM7FCN\(state.tokenNumber)"
                return state.validToken!
            }
            return Self.json(#"{"code":0,"msg":"ok","tenant_access_token":"\#(token)","expire":7200}"#)
        }
        let authorized = state.withLock { state in state.validToken.map { "Bearer \($0)" } == request.headers[.authorization] }
        guard authorized else {
            return Self.json(#"{"code":99991663,"msg":"Invalid access token for authorization. Please make a request with token attached."}"#, status: 400)
        }
        if path.hasPrefix("/open-apis/cardkit/v1/cards") { return cardKit(request.method, path, body: body) }
        if request.method == "GET", path.hasPrefix("/open-apis/im/v1/messages/"), path.contains("/resources/") { return resource(path, query: request.query) }
        if request.method == "POST", path == "/open-apis/im/v1/images" { return uploadImage(request) }
        if request.method == "GET", path.hasPrefix("/open-apis/im/v1/messages/") { return message(String(path.dropFirst("/open-apis/im/v1/messages/".count))) }
        if request.method == "POST", path == "/open-apis/im/v1/files" { return uploadFile(request) }
        switch (request.method, path) {
        case ("GET", "/open-apis/bot/v3/info"):
            state.withLock { $0.botInfoCalls += 1 }
            return Self.json(#"{"code":0,"msg":"ok","bot":{"activate_status":2,"app_name":"AI助手","avatar_url":"","ip_white_list":[],"open_id":"\#(Self.botOpenID)"}}"#)
        case ("POST", "/open-apis/im/v1/messages"):
            guard request.query == "receive_id_type=chat_id", body["receive_id"]?.string?.hasPrefix("oc_") == true else {
                return Self.json(#"{"code":230001,"msg":"invalid receive_id"}"#, status: 400)
            }
            return send(path: path, body: body)
        case ("POST", _) where path.hasPrefix("/open-apis/im/v1/messages/") && path.hasSuffix("/reply"):
            return send(path: path, body: body)
        case ("PATCH", _) where path.hasPrefix("/open-apis/im/v1/messages/"):
            let card = body["content"]?.string.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            let patch = Patch(
                messageID: String(path.dropFirst("/open-apis/im/v1/messages/".count)),
                markdown: Self.cardMarkdown(body["content"]?.string), updateMulti: card?["config"]?["update_multi"] == .bool(true)
            )
            let refused = state.withLock { state in state.refusedPatchText.map { patch.markdown?.contains($0) == true } ?? false }
            if refused { return Self.json(#"{"code":230099,"msg":"Failed to create card content"}"#, status: 400) }
            state.withLock { $0.patches.append(patch) }
            return Self.json(#"{"code":0,"msg":"success","data":{}}"#)
        default:
            return Self.json(#"{"code":404,"msg":"not found"}"#, status: 404)
        }
    }

    private func send(path: String, body: [String: JSONValue]) -> LoopbackResponse {
        var attempt = Send(path: path, body: body, messageID: "")
        enum Outcome { case fault(Fault), refused, sent(String) }
        let outcome = state.withLock { state -> Outcome in
            state.sendAttempts.append(attempt)
            if !state.faults.isEmpty { return .fault(state.faults.removeFirst()) }
            if let type = attempt.msgType, state.refusedTypes.contains(type) { return .refused }
            if let uuid = attempt.uuid, let first = state.byUUID[uuid] { return .sent(first) }
            let id = "om_sent\(String(format: "%04d", state.sends.count + 1))"
            attempt.messageID = id
            state.sends.append(attempt)
            if let uuid = attempt.uuid { state.byUUID[uuid] = id }
            return .sent(id)
        }
        switch outcome {
        case .fault(.drop): return .dropped
        case .fault(.code(let code, let message, let status)): return Self.json(#"{"code":\#(code),"msg":"\#(message)"}"#, status: status)
        case .fault(.rateLimited(let reset)):
            var response = Self.json(#"{"code":99991400,"msg":"request trigger frequency limit"}"#, status: 429)
            response.headers[HTTPField.Name("x-ogw-ratelimit-reset")!] = String(reset)
            return response
        case .refused: return Self.json(#"{"code":230099,"msg":"Failed to create card content"}"#, status: 400)
        case .sent(let id):
            return Self.json(#"{"code":0,"msg":"success","data":{"message_id":"\#(id)","msg_type":"interactive","chat_id":"oc_5ce6d572455d361153b7xx51da133945"}}"#)
        }
    }

    /// `GET /open-apis/im/v1/messages/{id}`: `data.items[0]` with `msg_type` and `body.content` (the
    /// docs' shape). The bot's own messages are cards holding their last text.
    private func message(_ id: String) -> LoopbackResponse {
        let found = state.withLock { state -> (String, String)? in
            state.messageReads.append(id)
            if let message = state.messages[id] { return (message.msgType, message.content) }
            guard let sent = state.sends.first(where: { $0.messageID == id }) else { return nil }
            if let type = sent.msgType, type != "interactive" { return (type, sent.body["content"]?.string ?? "") }
            let text = state.patches.last(where: { $0.messageID == id })?.markdown ?? sent.cardMarkdown ?? ""
            let card = JSONValue.object(["elements": .array([.object(["tag": "markdown", "content": .string(text)])])])
            return ("interactive", String(decoding: JSONWriter.data(card), as: UTF8.self))
        }
        guard let (type, content) = found else { return Self.json(#"{"code":230001,"msg":"message not found"}"#, status: 400) }
        let item = JSONValue.object([
            "message_id": .string(id), "msg_type": .string(type), "chat_id": "oc_5ce6d572455d361153b7xx51da133945",
            "body": .object(["content": .string(content)]),
        ])
        return Self.json(String(decoding: JSONWriter.data(["code": 0, "msg": "success", "data": ["items": .array([item])]]), as: UTF8.self))
    }

    // MARK: Resources (platforms-2.md §4.3)

    private func resource(_ path: String, query: String?) -> LoopbackResponse {
        let parts = path.split(separator: "/").map(String.init)  // open-apis im v1 messages {id} resources {key}
        guard parts.count == 7, query == "type=image" || query == "type=file" else {
            return Self.json(#"{"code":234001,"msg":"invalid param"}"#, status: 400)
        }
        let key = "\(parts[4])/\(parts[6])"
        let resource = state.withLock { state -> Resource? in
            state.resourceRequests.append("\(key)?\(query ?? "")")
            return state.resources[key]
        }
        guard let resource else { return Self.json(#"{"code":234003,"msg":"File not in msg."}"#, status: 400) }
        if let error = resource.error { return Self.json(#"{"code":\#(error.code),"msg":"\#(error.msg)"}"#, status: 400) }
        let size = resource.bytes.count * resource.repeats
        return LoopbackResponse(
            status: .ok, headers: [.contentType: resource.contentType, .contentLength: String(size)],
            steps: Array(repeating: .bytes(resource.bytes), count: resource.repeats)
        )
    }

    /// `POST /open-apis/im/v1/images` (platforms-2.md §4.3): multipart `image_type=message` and an
    /// `image` part with a file name (234001 otherwise), not empty (234010), ≤ 10 MB (234006).
    private func uploadImage(_ request: RecordedRequest) -> LoopbackResponse {
        guard let parts = MultipartPart.parse(request.body, contentType: request.headers[.contentType]),
            parts.first(where: { $0.name == "image_type" })?.text == "message",
            let image = parts.first(where: { $0.name == "image" }), image.fileName != nil
        else { return Self.json(#"{"code":234001,"msg":"Invalid request param."}"#, status: 400) }
        guard !image.data.isEmpty else { return Self.json(#"{"code":234010,"msg":"File's size can't be 0."}"#, status: 400) }
        guard image.data.count <= 10 << 20 else { return Self.json(#"{"code":234006,"msg":"The file size exceed the max value."}"#, status: 400) }
        let key = state.withLock { state -> String in
            let key = "img_v2_\(String(format: "%04d", state.images.count + 1))-fake"
            state.images.append((key, image.data, image.contentType ?? ""))
            return key
        }
        return Self.json(#"{"code":0,"msg":"success","data":{"image_key":"\#(key)"}}"#)
    }

    /// `im/v1/files` (platforms-2.md §4.3): `file_type` one of Feishu's, `file_name`, a `file` part,
    /// ≤ 30 MB. (The error codes for files are assumed to be the images' ones.)
    private func uploadFile(_ request: RecordedRequest) -> LoopbackResponse {
        let types: Set<String> = ["opus", "mp4", "pdf", "doc", "xls", "ppt", "stream"]
        guard let parts = MultipartPart.parse(request.body, contentType: request.headers[.contentType]),
            let fileType = parts.first(where: { $0.name == "file_type" })?.text, types.contains(fileType),
            let fileName = parts.first(where: { $0.name == "file_name" })?.text, !fileName.isEmpty,
            let file = parts.first(where: { $0.name == "file" }), file.fileName != nil
        else { return Self.json(#"{"code":234001,"msg":"Invalid request param."}"#, status: 400) }
        guard !file.data.isEmpty else { return Self.json(#"{"code":234010,"msg":"File's size can't be 0."}"#, status: 400) }
        guard file.data.count <= 30 << 20 else { return Self.json(#"{"code":234006,"msg":"The file size exceed the max value."}"#, status: 400) }
        let key = state.withLock { state -> String in
            let key = "file_v2_\(String(format: "%04d", state.files.count + 1))-fake"
            state.files.append(UploadedFile(key: key, fileType: fileType, fileName: fileName, data: file.data))
            return key
        }
        return Self.json(#"{"code":0,"msg":"success","data":{"file_key":"\#(key)"}}"#)
    }

    // MARK: CardKit (platforms-2.md §3.1, §3.3)

    private func cardKit(_ method: String, _ path: String, body: [String: JSONValue]) -> LoopbackResponse {
        if state.withLock({ $0.cardKitRefused }) {
            return Self.json(#"{"code":99991672,"msg":"Access denied. One of the following scopes is required: [cardkit:card:write]"}"#, status: 400)
        }
        let parts = path.split(separator: "/").map(String.init)  // open-apis cardkit v1 cards [id …]
        if method == "POST", parts.count == 4 {
            guard body["type"] == "card_json", let data = body["data"]?.string, let card = try? JSONParser.parse(Data(data.utf8)),
                card["schema"] == "2.0"
            else { return Self.json(#"{"code":300303,"msg":"only schema 2.0 is supported"}"#, status: 400) }
            let id = state.withLock { state -> String in
                let id = "73553727661343\(String(format: "%05d", state.cardOrder.count + 1))"
                state.cards[id] = CardKitCard(id: id, initial: card, streaming: card["config"]?["streaming_mode"] == .bool(true))
                state.cardOrder.append(id)
                return id
            }
            return Self.json(#"{"code":0,"msg":"success","data":{"card_id":"\#(id)"}}"#)
        }
        guard parts.count >= 5 else { return Self.json(#"{"code":10002,"msg":"invalid parameter"}"#, status: 400) }
        let id = parts[4]
        guard let sequence = body["sequence"]?.integer else { return Self.json(#"{"code":10002,"msg":"sequence is required"}"#, status: 400) }
        enum Outcome { case ok, refused(Int, String), drop }
        let outcome = state.withLock { state -> Outcome in
            guard var card = state.cards[id] else { return .refused(200_740, "card entity not found") }
            defer { state.cards[id] = card }
            guard sequence > card.sequence else {
                card.refusals.append(300_317)
                return .refused(300_317, "sequence number compare failed")
            }
            if method == "PUT", parts.count == 8, parts[7] == "content" {
                guard card.streaming else {
                    card.refusals.append(300_309)
                    return .refused(300_309, "streaming mode is closed")
                }
                card.sequence = sequence
                card.contents.append((sequence, body["content"]?.string ?? ""))
                state.contentPuts += 1
                return state.dropContentPuts.contains(state.contentPuts) ? .drop : .ok
            }
            if method == "PATCH", parts.count == 6, parts[5] == "settings" {
                let settings = body["settings"]?.string.flatMap { try? JSONParser.parse(Data($0.utf8)) } ?? .null
                card.sequence = sequence
                card.settings.append((sequence, settings["config"] ?? .null))
                if case .bool(let streaming)? = settings["config"]?["streaming_mode"] { card.streaming = streaming }
                return .ok
            }
            return .refused(10002, "invalid parameter")
        }
        switch outcome {
        case .ok: return Self.json(#"{"code":0,"msg":"success","data":{}}"#)
        case .drop: return .dropped
        case .refused(let code, let message): return Self.json(#"{"code":\#(code),"msg":"\#(message)"}"#, status: 400)
        }
    }

    package static func json(_ text: String, status: Int = 200) -> LoopbackResponse {
        LoopbackResponse(WebhookResponse(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json; charset=utf-8"], body: Data(text.utf8)))
    }
}
