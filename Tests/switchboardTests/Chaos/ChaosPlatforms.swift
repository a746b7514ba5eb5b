import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import SwitchboardCore
import SwitchboardTesting
import Synchronization

/// Every far side of the chaos run on one loopback server: WeCom's qyapi, Feishu's Open API,
/// DingTalk's OpenAPI, session webhooks and Stream gateway (with its WebSocket), a generic bot's
/// callback, and Dify — each speaking its platform's wire format, each failing now and then as
/// `faults` says, and each recording what it accepted in the ledger. Faults happen before a
/// request is processed (as a platform's own errors and time-outs do), except Feishu's "answered,
/// then the connection dropped", which its `uuid` makes safe to retry.
final class ChaosPlatforms: Sendable {
    static let weComCorp = "wwfa6c0ffee1234567"
    static let weComSecret = "chaos-wecom-app-secret-0123"
    static let feishuAppID = "cli_a1b2c3d4e5f6a7b8"
    static let feishuSecret = "chaosFeishuAppSecretXXXXXXXXXXXXX"
    static let feishuBot = "ou_chaos_bot_00000000000000000000"
    static let dingTalkKey = "dingchaos0apw4ibx5u5kt"
    static let dingTalkSecret = "chaosDingTalkAppSecret-Ab3dEf6hIj9kLm2n"
    static let difyKey = "app-chaos-dify-key"

    let ledger: ChaosLedger
    let faults: ChaosFaults

    struct State {
        var port = 0
        var sequence = 0
        var feishuByUUID: [String: String] = [:]
        var feishuTags: [String: String] = [:]
        var sockets: [Int: WebSocketOutboundWriter] = [:]
        var connections = 0
        /// The most Stream sockets open at one time.
        var mostOpen = 0
        var acks: Set<String> = []
        var difyCalls = 0
        var weComSent: Set<String> = []
        /// Tokens handed out, per platform: a call with any other is refused.
        var issued: Set<String> = []
        /// Calls refused for credentials or tokens this fake never issued (a correct client makes none).
        var refusals: [String] = []
    }

    let state = Mutex(State())

    init(ledger: ChaosLedger, faults: ChaosFaults) {
        self.ledger = ledger
        self.faults = faults
    }

    var url: String { "http://127.0.0.1:\(state.withLock { $0.port })" }
    var difyCalls: Int { state.withLock { $0.difyCalls } }
    /// Calls refused for bad credentials or tokens the fake never issued.
    var refusals: [String] { state.withLock { $0.refusals } }

    /// A token of this fake's, remembered as issued.
    private func issue(_ prefix: String) -> String {
        let token = next(prefix)
        state.withLock { _ = $0.issued.insert(token) }
        return token
    }

    /// Whether `token` is one this fake issued; a refusal is noted.
    private func knows(_ token: String?, _ api: String) -> Bool {
        state.withLock { state in
            guard let token, state.issued.contains(token) else {
                state.refusals.append("\(api) with a token the fake never issued")
                return false
            }
            return true
        }
    }

    private func refuse(_ what: String) {
        state.withLock { $0.refusals.append(what) }
    }
    /// Stream sockets: opened so far, open now, and the most open at once.
    var streamSockets: (opened: Int, open: Int, mostOpen: Int) { state.withLock { ($0.connections, $0.sockets.count, $0.mostOpen) } }

    /// `[Q17]` from an id that ends in `Q17`.
    static func tag(fromID id: String) -> String? {
        guard let range = id.range(of: #"Q[0-9]+$"#, options: .regularExpression) else { return nil }
        return "[\(id[range])]"
    }

    func next(_ prefix: String) -> String {
        state.withLock { state in
            state.sequence += 1
            return "\(prefix)\(state.sequence)"
        }
    }

    // MARK: Running

    func run<T: Sendable>(_ body: (ChaosPlatforms) async throws -> T) async throws -> T {
        let router = Router()
        // The network's weather under the faults: every answer after a real round trip.
        router.add(middleware: WeatherMiddleware(.standard))
        registerWeCom(router)
        registerFeishu(router)
        registerDingTalk(router)
        registerDify(router)
        router.post("/generic/callback") { request, _ in
            if let failure = await self.fail(self.faults.next(), dropStatus: .badGateway) { return failure }
            let json = try await Self.json(request)
            guard let id = json["event_id"]?.string, let tag = Self.tag(fromID: id) else { return Self.reply("{}", status: .badRequest) }
            self.ledger.shows(tag: tag, identity: self.next("callback-"), content: json["reply"]?["markdown"]?.string ?? "")
            return Self.reply("{}")
        }
        let server = HTTPServerBuilder.http1WebSocketUpgrade { request, _, _ in
            guard request.path?.hasPrefix("/connect") == true else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in
                let id = self.state.withLock { state in
                    state.connections += 1
                    state.sockets[state.connections] = outbound
                    state.mostOpen = max(state.mostOpen, state.sockets.count)
                    return state.connections
                }
                defer { _ = self.state.withLock { $0.sockets.removeValue(forKey: id) } }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let json = try? JSONParser.parse(text) else { continue }
                    if let messageID = json["headers"]?["messageId"]?.string, json["code"] == .number(200) {
                        _ = self.state.withLock { $0.acks.insert(messageID) }
                    }
                }
            }
        }
        return try await LoopbackServer.runOnLoopback(router: router, server: server) { port in
            state.withLock { $0.port = port }
            return try await body(self)
        }
    }

    // MARK: Faults

    /// The answer a fault gives, or nil to go on.
    /// `busyStatus`: WeCom and DingTalk say "busy" in a 200's errcode, Feishu with a 5xx. A drop is
    /// an answer cut off after its head (what a client reading the JSON sees as a lost connection);
    /// `dropStatus` is that head — not a 2xx where the status alone is the answer (a generic
    /// callback), since a 2xx head says the request was taken.
    func fail(
        _ fault: ChaosFaults.Fault, busy: String? = nil, busyStatus: HTTPResponse.Status = .ok, rateLimited: String? = nil, tokenRefused: String? = nil,
        dropStatus: HTTPResponse.Status = .ok
    ) async -> Response? {
        switch fault {
        case .none: return nil
        case .slow:
            try? await Task.sleep(for: .milliseconds(Int(faults.random(in: 300...1500))))
            return nil
        case .serverError: return Self.reply(busy ?? #"{"error":"busy"}"#, status: busy == nil ? .serviceUnavailable : busyStatus)
        case .rateLimited: return Self.reply(rateLimited ?? #"{"error":"slow down"}"#, status: rateLimited == nil ? .tooManyRequests : .ok)
        case .tokenRefused: return Self.reply(tokenRefused ?? #"{"error":"token"}"#, status: .ok)
        case .drop:
            try? await Task.sleep(for: .milliseconds(Int(faults.random(in: 0...800))))
            return Self.dropped(status: dropStatus)
        }
    }

    static func dropped(status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "{"))
            throw CancellationError()
        })
    }

    static func reply(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    static func json(_ request: Request) async throws -> JSONValue {
        var request = request
        return (try? JSONParser.parse(Data(buffer: try await request.collectBody(upTo: 1 << 20)))) ?? .null
    }

    // MARK: WeCom

    private func registerWeCom(_ router: Router<BasicRequestContext>) {
        router.get("/cgi-bin/gettoken") { request, _ in
            if let failure = await self.fail(self.faults.next([.serverError, .drop, .slow]), busy: #"{"errcode":-1,"errmsg":"system busy"}"#) {
                return failure
            }
            guard request.uri.queryParameters.get("corpid") == Self.weComCorp, request.uri.queryParameters.get("corpsecret") == Self.weComSecret else {
                self.refuse("gettoken with wrong credentials")
                return Self.reply(#"{"errcode":40001,"errmsg":"invalid credential"}"#)
            }
            return Self.reply(#"{"errcode":0,"errmsg":"ok","access_token":"\#(self.issue("wecom-token-"))","expires_in":7200}"#)
        }
        router.post("/cgi-bin/message/send") { request, _ in
            guard self.knows(request.uri.queryParameters.get("access_token").map { String($0) }, "message/send") else {
                return Self.reply(#"{"errcode":40014,"errmsg":"invalid access_token"}"#)
            }
            let fault = self.faults.next([.serverError, .rateLimited, .tokenRefused, .drop, .slow])
            if let failure = await self.fail(
                fault, busy: #"{"errcode":-1,"errmsg":"system busy"}"#, rateLimited: #"{"errcode":45009,"errmsg":"api freq out of limit"}"#,
                tokenRefused: #"{"errcode":42001,"errmsg":"access_token expired"}"#
            ) {
                return failure
            }
            let json = try await Self.json(request)
            guard let user = json["touser"]?.string, let tag = Self.tag(fromID: user) else { return Self.reply(#"{"errcode":40003,"errmsg":"invalid user"}"#) }
            let content = json["markdown"]?["content"]?.string ?? json["text"]?["content"]?.string ?? ""
            // WeCom's duplicate check (doc 90236): the same content to the same user within the
            // interval is dropped — the call succeeds, nothing more is shown.
            let repeated = self.state.withLock { state -> Bool in
                let key = user + "\u{0}" + content
                defer { state.weComSent.insert(key) }
                return json["enable_duplicate_check"] == .number(1) && state.weComSent.contains(key)
            }
            let id = self.next("wecom-msg-")
            if !repeated { self.ledger.shows(tag: tag, identity: id, content: content) }
            return Self.reply(#"{"errcode":0,"errmsg":"ok","msgid":"\#(id)"}"#)
        }
        router.post("/aibot/response/:message") { request, context in
            if let failure = await self.fail(self.faults.next([.serverError, .drop])) { return failure }
            let json = try await Self.json(request)
            guard let tag = Self.tag(fromID: context.parameters.get("message") ?? "") else { return Self.reply("{}", status: .badRequest) }
            self.ledger.shows(tag: tag, identity: self.next("aibot-response-"), content: json["markdown"]?["content"]?.string ?? "")
            return Self.reply(#"{"errcode":0,"errmsg":"ok"}"#)
        }
    }

    // MARK: Feishu

    private func registerFeishu(_ router: Router<BasicRequestContext>) {
        router.post("/open-apis/auth/v3/tenant_access_token/internal") { request, _ in
            if let failure = await self.fail(self.faults.next([.serverError, .drop])) { return failure }
            let json = try await Self.json(request)
            guard json["app_id"] == .string(Self.feishuAppID), json["app_secret"] == .string(Self.feishuSecret) else {
                self.refuse("tenant_access_token with wrong credentials")
                return Self.reply(#"{"code":10014,"msg":"app secret invalid"}"#, status: .badRequest)
            }
            return Self.reply(#"{"code":0,"msg":"ok","tenant_access_token":"\#(self.issue("t-feishu-token-"))","expire":7200}"#)
        }
        router.post("/open-apis/im/v1/messages/:message/reply") { request, context in
            guard self.knows(Self.bearer(request), "im/v1/messages reply") else {
                return Self.reply(#"{"code":99991663,"msg":"Invalid access token for authorization."}"#, status: .badRequest)
            }
            let fault = self.faults.next([.serverError, .rateLimited, .tokenRefused, .drop, .slow])
            if let failure = await self.fail(
                fault, busy: #"{"code":1000,"msg":"internal error"}"#, busyStatus: .internalServerError,
                rateLimited: #"{"code":99991400,"msg":"request trigger frequency limit"}"#,
                tokenRefused: #"{"code":99991663,"msg":"Invalid access token for authorization."}"#
            ) {
                return failure
            }
            let json = try await Self.json(request)
            guard let tag = Self.tag(fromID: context.parameters.get("message") ?? ""), let uuid = json["uuid"]?.string else {
                return Self.reply(#"{"code":230001,"msg":"invalid param"}"#, status: .badRequest)
            }
            // Feishu's idempotency: the same uuid within an hour is the same message.
            let id = self.state.withLock { state -> String? in state.feishuByUUID[uuid] } ?? {
                let id = self.next("om_chaos_")
                self.state.withLock { state in
                    state.feishuByUUID[uuid] = id
                    state.feishuTags[id] = tag
                }
                self.ledger.shows(tag: tag, identity: id, content: Self.feishuText(json["content"]?.string))
                return id
            }()
            // Sometimes the message is sent but the answer is lost: the retry's uuid finds it.
            if self.faults.chance(0.03 * (self.faults.enabled ? 1 : 0)) { return Self.dropped() }
            return Self.reply(#"{"code":0,"msg":"success","data":{"message_id":"\#(id)"}}"#)
        }
        router.patch("/open-apis/im/v1/messages/:message") { request, context in
            guard self.knows(Self.bearer(request), "im/v1/messages patch") else {
                return Self.reply(#"{"code":99991663,"msg":"Invalid access token for authorization."}"#, status: .badRequest)
            }
            if let failure = await self.fail(
                self.faults.next([.serverError, .drop, .slow]), busy: #"{"code":1000,"msg":"internal error"}"#, busyStatus: .internalServerError
            ) {
                return failure
            }
            let id = context.parameters.get("message") ?? ""
            guard let tag = self.state.withLock({ $0.feishuTags[id] }) else { return Self.reply(#"{"code":230001,"msg":"no such message"}"#, status: .badRequest) }
            self.ledger.shows(tag: tag, identity: id, content: Self.feishuText(try await Self.json(request)["content"]?.string))
            return Self.reply(#"{"code":0,"msg":"success","data":{}}"#)
        }
    }

    /// The token of an `Authorization: Bearer …` header.
    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }

    /// A card's markdown, a post's or a text's words.
    static func feishuText(_ content: String?) -> String {
        guard let content, let json = try? JSONParser.parse(content) else { return content ?? "" }
        return json["elements"]?.array?.first?["content"]?.string ?? json["text"]?.string ?? content
    }

    // MARK: DingTalk

    private func registerDingTalk(_ router: Router<BasicRequestContext>) {
        router.post("/v1.0/gateway/connections/open") { request, _ in
            if let failure = await self.fail(self.faults.next([.serverError, .drop])) { return failure }
            let json = try await Self.json(request)
            guard request.headers[.accept]?.contains("application/json") == true else {
                self.refuse("connections/open without Accept: application/json")
                return Response(status: .ok, headers: [.contentType: "application/xml"], body: ResponseBody(byteBuffer: ByteBuffer(string: "<OpenConnectionResponse/>")))
            }
            guard json["clientId"] == .string(Self.dingTalkKey), json["clientSecret"] == .string(Self.dingTalkSecret) else {
                self.refuse("connections/open with wrong credentials")
                return Self.reply(#"{"code":"InvalidAuthentication","message":"bad client"}"#, status: .unauthorized)
            }
            return Self.reply(#"{"endpoint":"ws://127.0.0.1:\#(self.state.withLock { $0.port })/connect","ticket":"\#(self.next("ticket-"))"}"#)
        }
        router.post("/dingtalk/session/:message") { request, context in
            let fault = self.faults.next([.serverError, .rateLimited, .drop, .slow])
            if let failure = await self.fail(fault, busy: #"{"errcode":-1,"errmsg":"busy"}"#, rateLimited: #"{"errcode":130101,"errmsg":"send too fast"}"#) {
                return failure
            }
            let json = try await Self.json(request)
            guard let tag = Self.tag(fromID: context.parameters.get("message") ?? "") else { return Self.reply("{}", status: .badRequest) }
            let content = json["markdown"]?["text"]?.string ?? json["text"]?["content"]?.string ?? ""
            self.ledger.shows(tag: tag, identity: self.next("ding-msg-"), content: content)
            return Self.reply(#"{"errcode":0,"errmsg":"ok"}"#)
        }
    }

    /// Sends a frame down one open Stream socket (any: DingTalk balances over a bot's connections);
    /// false when none is open.
    func push(_ frame: String) async -> Bool {
        guard let socket = state.withLock({ $0.sockets.values.randomElement() }) else { return false }
        return (try? await socket.write(.text(frame))) != nil
    }

    func acked(_ messageID: String) -> Bool {
        state.withLock { $0.acks.contains(messageID) }
    }

    // MARK: Dify

    private func registerDify(_ router: Router<BasicRequestContext>) {
        router.post("/v1/chat-messages") { request, _ in
            self.state.withLock { $0.difyCalls += 1 }
            guard request.headers[.authorization] == "Bearer \(Self.difyKey)" else {
                return Self.reply(#"{"code":"unauthorized","message":"Access token is invalid","status":401}"#, status: .unauthorized)
            }
            let fault = self.faults.next([.serverError, .rateLimited, .drop, .slow, .tokenRefused])
            switch fault {
            case .serverError: return Self.reply(#"{"code":"internal_server_error","message":"Internal Server Error","status":500}"#, status: .internalServerError)
            case .rateLimited: return Self.reply(#"{"code":"too_many_requests","message":"Too many requests","status":429}"#, status: .tooManyRequests)
            case .drop: return Self.dropped()
            default: break
            }
            let json = try await Self.json(request)
            let query = json["query"]?.string ?? ""
            let conversation = (json["conversation_id"]?.string).flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased()
            let task = UUID().uuidString.lowercased()
            @Sendable func event(_ fields: String) -> String {
                "data: {\"task_id\": \"\(task)\", \"message_id\": \"\(task)\", \"conversation_id\": \"\(conversation)\", \(fields)}\n\n"
            }
            let answer = String(decoding: JSONWriter.data(.string("答" + query)), as: UTF8.self)
            let slow = fault == .slow
            // .tokenRefused stands in for a stream cut off after its first words.
            let cut = fault == .tokenRefused
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                if slow { try await Task.sleep(for: .milliseconds(800)) }
                try await writer.write(ByteBuffer(string: event("\"event\": \"message\", \"answer\": \(answer)")))
                if cut { throw CancellationError() }
                try await writer.write(ByteBuffer(string: event(#""event": "message", "answer": "（完）""#)))
                try await writer.write(ByteBuffer(string: event(#""event": "message_end", "metadata": {}"#)))
                try await writer.finish(nil)
            })
        }
    }
}
