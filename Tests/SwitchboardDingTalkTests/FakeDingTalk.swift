import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import SwitchboardCore
import SwitchboardTesting
import Synchronization

/// DingTalk on loopback, speaking its wire format (platforms.md §3b, §3d, §3e): the Stream
/// gateway (`connections/open` handing out one-shot tickets, and the WebSocket they open), a
/// session webhook, the OpenAPI token and robot sends. The test pushes frames down the current
/// socket, reads what the client sent back, and counts the sockets open at each moment.
///
/// As strict as DingTalk: `connections/open` answers XML to a request without
/// `Accept: application/json` (the official SDKs' `getEndpoint` says so; platforms-3.md §7);
/// tokens go only to the app's key and secret, and every OpenAPI call must carry one the fake
/// issued; a session webhook must name its session; the card APIs hold the app to
/// ``cardCallsPerSecond`` calls in any second (403 `QpsLimit` beyond, as DingTalk's gateway does),
/// and can be told to answer 429. Every answer comes after the network's latency.
final class FakeDingTalk: Sendable {
    static let appKey = "dingf0apw4ibx5u5ktba"
    static let appSecret = "fixtureAppSecret-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"

    struct Received: Sendable {
        var connection: Int
        var text: String
        var json: JSONValue { (try? JSONParser.parse(text)) ?? .null }
    }

    struct State {
        var port = 0
        var tickets: [String] = []
        var usedTickets: Set<String> = []
        var received: [Received] = []
        var sessionPosts: [JSONValue] = []
        var openAPISends: [(path: String, token: String?, body: JSONValue)] = []
        var tokenFetches = 0
        /// downloadCode ▸ the file its pre-signed URL serves.
        var files: [String: (data: Data, contentType: String)] = [:]
        /// messageFiles/download calls: (downloadCode, robotCode).
        var downloads: [(code: String, robot: String)] = []
        /// Each `connections/open` call's `subscriptions`.
        var subscriptions: [JSONValue] = []
        /// A token the OpenAPI no longer accepts (as after it expired): HTTP 401.
        var refusedToken: String?
        /// AI cards (platforms-2.md §3.2, §3.3) by outTrackId.
        var cards: [String: Card] = [:]
        var cardCalls: [(path: String, body: JSONValue)] = []
        var refuseCards = false
        /// Tokens handed out, in order.
        var issued: [String] = []
        /// Card calls at each moment (the app-wide quota's window), and the most in any second.
        var cardCallTimes: [ContinuousClock.Instant] = []
        var mostCardCallsInASecond = 0
        var cardQpsRefusals = 0
        /// Card calls answered 429, after the given number of calls go through.
        var card429s = 0
        var card429sAfter = 0
        /// Requests refused for a missing or unknown token, or a wrong Accept.
        var refusedRequests: [String] = []
        /// Each connections/open request's headers and body, and each socket's request path.
        var openRequests: [(headers: HTTPFields, body: JSONValue)] = []
        var upgradePaths: [String] = []
        /// Tickets made of characters a URL must escape, as real ones are (base64-like).
        var escapedTickets = false
        /// Every socket is closed as soon as it opens (a gateway that keeps dropping clients).
        var closeAtOnce = false
    }

    /// The card APIs' app-wide limit: about 40 calls a second (platforms-3.md §7).
    static let cardCallsPerSecond = 40

    /// An AI card as the fake holds it.
    struct Card: Sendable {
        var created: JSONValue
        var params: [String: String] = [:]
        var frames: [(at: ContinuousClock.Instant, body: JSONValue)] = []
        var lastUpdate: ContinuousClock.Instant?
        var tooFast = 0
    }

    let state = Mutex(State())
    let sockets = OpenSockets<WebSocketOutboundWriter>()
    var cards: [String: Card] { state.withLock { $0.cards } }
    var cardCalls: [(path: String, body: JSONValue)] { state.withLock { $0.cardCalls } }
    func refuseCards() { state.withLock { $0.refuseCards = true } }
    var mostCardCallsInASecond: Int { state.withLock { $0.mostCardCallsInASecond } }
    var cardQpsRefusals: Int { state.withLock { $0.cardQpsRefusals } }
    func answerCards429(times: Int, afterCalls: Int = 0) { state.withLock { ($0.card429s, $0.card429sAfter) = (times, $0.cardCalls.count + afterCalls) } }
    var refusedRequests: [String] { state.withLock { $0.refusedRequests } }
    let weather: NetworkWeather

    init(weather: NetworkWeather = .standard) {
        self.weather = weather
    }

    var url: String { "http://127.0.0.1:\(state.withLock { $0.port })" }
    var openSockets: Int { sockets.count }
    var connections: Int { sockets.connections }
    var mostOpenAtOnce: Int { sockets.mostOpenAtOnce }
    var tickets: [String] { state.withLock { $0.tickets } }
    var received: [Received] { state.withLock { $0.received } }
    var sessionPosts: [JSONValue] { state.withLock { $0.sessionPosts } }
    var openAPISends: [(path: String, token: String?, body: JSONValue)] { state.withLock { $0.openAPISends } }
    var tokenFetches: Int { state.withLock { $0.tokenFetches } }
    var subscriptions: [JSONValue] { state.withLock { $0.subscriptions } }
    var downloads: [(code: String, robot: String)] { state.withLock { $0.downloads } }
    func serveFile(_ code: String, data: Data, contentType: String) { state.withLock { $0.files[code] = (data, contentType) } }
    func expireToken() { state.withLock { $0.refusedToken = $0.issued.last } }
    var sessionWebhook: String { url + "/robot/sendBySession?session=fake-session" }

    static func withRunning<T: Sendable>(weather: NetworkWeather = .standard, _ body: (FakeDingTalk) async throws -> T) async throws -> T {
        let fake = FakeDingTalk(weather: weather)
        let router = Router()
        // The latency on the way back: the card quota is judged when a call arrives, as DingTalk does.
        router.add(middleware: WeatherMiddleware(weather, leg: .afterHandling))
        router.post("/v1.0/gateway/connections/open") { request, _ -> Response in
            let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
            fake.state.withLock { $0.openRequests.append((request.headers, json)) }
            guard request.headers[.accept]?.contains("application/json") == true else {
                fake.state.withLock { $0.refusedRequests.append("connections/open without Accept: application/json") }
                let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OpenConnectionResponse><endpoint>ws://127.0.0.1/connect</endpoint></OpenConnectionResponse>"
                return Response(status: .ok, headers: [.contentType: "application/xml"], body: ResponseBody(byteBuffer: ByteBuffer(string: xml)))
            }
            guard json["clientId"] == .string(appKey), json["clientSecret"] == .string(appSecret) else {
                return fake.json(#"{"code":"InvalidAuthentication","message":"bad client"}"#, status: .unauthorized)
            }
            let ticket = fake.state.withLock { state -> String in
                state.subscriptions.append(json["subscriptions"] ?? .null)
                let ticket = state.escapedTickets ? "tk+/=\(state.tickets.count + 1)Ab" : "ticket-\(state.tickets.count + 1)"
                state.tickets.append(ticket)
                return ticket
            }
            return fake.json(#"{"endpoint":"ws://127.0.0.1:\#(fake.state.withLock { $0.port })/connect","ticket":"\#(ticket)"}"#)
        }
        router.post("/robot/sendBySession") { request, _ -> Response in
            let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
            guard request.uri.queryParameters.get("session") == "fake-session" else {
                fake.state.withLock { $0.refusedRequests.append("sendBySession without its session") }
                return fake.json(#"{"errcode":300001,"errmsg":"session invalid"}"#)
            }
            fake.state.withLock { $0.sessionPosts.append(json) }
            return fake.json(#"{"errcode":0,"errmsg":"ok"}"#)
        }
        router.post("/v1.0/oauth2/accessToken") { request, _ -> Response in
            let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
            guard json["appKey"] == .string(appKey), json["appSecret"] == .string(appSecret) else {
                fake.state.withLock { $0.refusedRequests.append("accessToken for a wrong appKey or appSecret") }
                return fake.json(#"{"code":"invalidClientIdOrSecret","message":"无效的clientId或者clientSecret"}"#, status: .badRequest)
            }
            let token = fake.state.withLock { state -> String in
                state.tokenFetches += 1
                let token = "fa9b1c2d3e4f5a6b7c8d9e0f1a2b3c4\(state.tokenFetches)"
                state.issued.append(token)
                return token
            }
            return fake.json(#"{"accessToken":"\#(token)","expireIn":7200}"#)
        }
        for path in ["/v1.0/robot/groupMessages/send", "/v1.0/robot/oToMessages/batchSend"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
                let token = request.headers[HTTPField.Name("x-acs-dingtalk-access-token")!]
                if let refusal = fake.refusal(token: token, api: path) { return refusal }
                fake.state.withLock { $0.openAPISends.append((path, token, json)) }
                return fake.json(#"{"processQueryKey":"qQtq5XRpCvm0gX1Ds9Zi4iuAVX2Y1k5w6Vt5a0uZZ1A="}"#)
            }
        }
        // platforms-2.md §4.4: a download code ▸ a pre-signed URL on this server, fetched without auth.
        router.post("/v1.0/robot/messageFiles/download") { request, _ -> Response in
            let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
            if let refusal = fake.refusal(token: request.headers[HTTPField.Name("x-acs-dingtalk-access-token")!], api: "messageFiles/download") { return refusal }
            let code = json["downloadCode"]?.string ?? ""
            let known = fake.state.withLock { state -> Bool in
                state.downloads.append((code, json["robotCode"]?.string ?? ""))
                return state.files[code] != nil
            }
            guard known, json["robotCode"] == .string(appKey) else {
                return fake.json(#"{"code":"InvalidParameter.DownloadCode","message":"downloadCode is invalid or expired"}"#, status: .badRequest)
            }
            return fake.json(#"{"downloadUrl":"\#(fake.url)/signed/\#(PercentEncoding.pathSegment(code))?Expires=1718003600&Signature=fake"}"#)
        }
        router.get("/signed/:code") { _, context -> Response in
            let code = (context.parameters.get("code") ?? "").removingPercentEncoding ?? ""
            guard let file = fake.state.withLock({ $0.files[code] }) else { return Response(status: .forbidden) }
            return Response(status: .ok, headers: [.contentType: file.contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.data)))
        }
        router.post("/v1.0/card/instances/createAndDeliver") { request, _ -> Response in
            let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
            return fake.card("/v1.0/card/instances/createAndDeliver", json, token: request.headers[HTTPField.Name("x-acs-dingtalk-access-token")!])
        }
        for path in ["/v1.0/card/instances", "/v1.0/card/streaming"] {
            router.put(RouterPath(path)) { request, _ -> Response in
                let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
                return fake.card(path, json, token: request.headers[HTTPField.Name("x-acs-dingtalk-access-token")!])
            }
        }
        let server = HTTPServerBuilder.http1WebSocketUpgrade { request, _, _ in
            if let path = request.path { fake.state.withLock { $0.upgradePaths.append(path) } }
            guard let path = request.path, path.hasPrefix("/connect?ticket="),
                fake.claim(ticket: String(path.dropFirst("/connect?ticket=".count)).removingPercentEncoding ?? "")
            else {
                return .dontUpgrade
            }
            return .upgrade([:]) { inbound, outbound, _ in
                let id = fake.sockets.opened(outbound)
                defer { fake.sockets.closed(id) }
                if fake.state.withLock({ $0.closeAtOnce }) { return }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message { fake.state.withLock { $0.received.append(Received(connection: id, text: text)) } }
                }
            }
        }
        return try await LoopbackServer.runOnLoopback(router: router, server: server) { port in
            fake.state.withLock { $0.port = port }
            return try await body(fake)
        }
    }

    /// The card APIs: createAndDeliver (every cardParamMap value must be a string), PUT instances
    /// (data by key), PUT streaming — 403 when one card is updated less than 500 ms after the last.
    private func card(_ path: String, _ json: JSONValue, token: String?) -> Response {
        if let refusal = refusal(token: token, api: path) { return refusal }
        return state.withLock { state -> Response in
            state.cardCalls.append((path, json))
            // The app-wide quota, over the last second.
            let called = ContinuousClock.now
            state.cardCallTimes = state.cardCallTimes.filter { called - $0 < .seconds(1) } + [called]
            state.mostCardCallsInASecond = max(state.mostCardCallsInASecond, state.cardCallTimes.count)
            if state.cardCallTimes.count > Self.cardCallsPerSecond {
                state.cardQpsRefusals += 1
                return self.json(#"{"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi","message":"app qps limit"}"#, status: .forbidden)
            }
            if state.card429s > 0, state.cardCalls.count > state.card429sAfter {
                state.card429s -= 1
                return self.json(#"{"code":"Throttling","message":"too many requests"}"#, status: .tooManyRequests)
            }
            if state.refuseCards { return self.json(#"{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","message":"no Card.Instance.Write"}"#, status: .forbidden) }
            guard let id = json["outTrackId"]?.string else { return self.json(#"{"code":"MissingoutTrackId","message":"outTrackId"}"#, status: .badRequest) }
            let params = json["cardData"]?["cardParamMap"]?.object ?? [:]
            guard params.values.allSatisfy({ $0.string != nil }) else {
                return self.json(#"{"code":"InvalidParameter","message":"cardParamMap values must be strings"}"#, status: .badRequest)
            }
            let strings = params.compactMapValues(\.string)
            if path.hasSuffix("createAndDeliver") {
                state.cards[id] = Card(created: json, params: strings)
                return self.json(#"{"success":true,"result":{"outTrackId":"\#(id)","deliverResults":[{"spaceType":"IM_GROUP","spaceId":"cid","success":true,"errorMsg":"","carrierId":"c1"}]}}"#)
            }
            guard var card = state.cards[id] else { return self.json(#"{"code":"CardNotFound","message":"no such card"}"#, status: .badRequest) }
            defer { state.cards[id] = card }
            let now = ContinuousClock.now
            if let last = card.lastUpdate, now - last < .milliseconds(500) {
                card.tooFast += 1
                return self.json(#"{"code":"QpsLimit","message":"concurrent update"}"#, status: .forbidden)
            }
            card.lastUpdate = now
            if path.hasSuffix("streaming") {
                card.frames.append((now, json))
                if let key = json["key"]?.string, let content = json["content"]?.string { card.params[key] = content }
            } else {
                card.params.merge(strings) { $1 }
            }
            return self.json(#"{"success":true,"result":true}"#)
        }
    }

    /// 401 for a call without a token this fake issued (or with the one it was told is expired).
    private func refusal(token: String?, api: String) -> Response? {
        state.withLock { state -> Response? in
            guard let token else {
                state.refusedRequests.append("\(api) without an access token")
                return self.json(#"{"code":"MissingAccessToken","message":"access token is missing"}"#, status: .unauthorized)
            }
            guard state.issued.contains(token), token != state.refusedToken else {
                if token != state.refusedToken { state.refusedRequests.append("\(api) with a token the fake never issued") }
                return self.json(#"{"code":"InvalidAuthentication","message":"不合法的access_token"}"#, status: .unauthorized)
            }
            return nil
        }
    }

    private func claim(ticket: String) -> Bool {
        state.withLock { state in
            guard state.tickets.contains(ticket), !state.usedTickets.contains(ticket) else { return false }
            state.usedTickets.insert(ticket)
            return true
        }
    }

    /// Sends a frame down the newest open socket.
    func push(_ frame: String) async throws {
        await weather.wait()
        guard let socket = sockets.newest else { throw FixtureError("no open Stream connection to push to") }
        try await socket.write(.text(frame))
    }

    /// Closes the newest socket from the server's side, as a network loss would end it.
    func dropNewest() async throws {
        guard let socket = sockets.newest else { return }
        try await socket.close(.goingAway, reason: "gone")
    }

    func waitFor(_ description: String, timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
        try await waitUntil(description, timeout: timeout, condition)
    }

    func ack(for messageID: String) -> Received? {
        received.first { $0.json["headers"]?["messageId"] == .string(messageID) }
    }

    private func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A robot CALLBACK frame wrapping a message as platforms.md §3d shows it.
    static func callbackFrame(
        messageID: String, msgID: String, text: String, sessionWebhook: String, expires: Int64, group: Bool = true,
        conversation: String = "cidh6ezDLHQau9V23Es/xSLNoiDDmPuN354KylQ2BaIhuM="
    ) -> String {
        var message: [String: JSONValue] = [
            "conversationId": .string(conversation), "conversationType": group ? "2" : "1",
            "chatbotUserId": "$:LWCP_v1:$01B/44e/ph+R21B/X+43WLnAcUVO5BKL", "msgId": .string(msgID), "senderNick": "张三",
            "senderStaffId": "032615015535634423", "senderId": "$:LWCP_v1:$gzXDEXQDiM8piyLH4HRRcg==",
            "sessionWebhookExpiredTime": .number(Double(expires)), "createAt": .number(Double(Int64(Date().timeIntervalSince1970 * 1000))),
            "isInAtList": .bool(group), "sessionWebhook": .string(sessionWebhook), "robotCode": .string(appKey),
            "msgtype": "text", "text": ["content": .string(" " + text)],
        ]
        if group { message["conversationTitle"] = "产品研发群" }
        let frame: JSONValue = [
            "specVersion": "1.0", "type": "CALLBACK",
            "headers": ["appId": "fake-app-id", "contentType": "application/json", "messageId": .string(messageID), "topic": "/v1.0/im/bot/messages/get"],
            "data": .string(String(decoding: JSONWriter.data(.object(message)), as: UTF8.self)),
        ]
        return String(decoding: JSONWriter.data(frame), as: UTF8.self)
    }

    static func systemFrame(messageID: String, topic: String, data: String = "{}") -> String {
        String(decoding: JSONWriter.data([
            "specVersion": "1.0", "type": "SYSTEM", "headers": ["messageId": .string(messageID), "topic": .string(topic)], "data": .string(data),
        ]), as: UTF8.self)
    }
}
