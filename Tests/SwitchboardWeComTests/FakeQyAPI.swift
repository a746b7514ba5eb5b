import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting
import Synchronization

/// `qyapi.weixin.qq.com` on loopback, speaking WeCom's JSON (platforms.md §1b, §1c.3, §1d):
/// `gettoken` (checks corp id and secret), `message/send` (checks the token), `webhook/send`
/// (checks the key) and the AI bot's `response_url` (one use). Tests can expire the token and
/// script errcodes for the next sends.
final class FakeQyAPI: Sendable {
    static let corpID = "wwfa6c0ffee1234567"
    static let secret = "fixture-app-secret-not-real"
    static let robotKey = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

    struct State {
        var tokenNumber = 0
        var validToken: String?
        var tokenFetches = 0
        var sends: [[String: JSONValue]] = []
        var robotSends: [[String: JSONValue]] = []
        var responses: [[String: JSONValue]] = []
        var usedResponseCodes: Set<String> = []
        var scriptedErrors: [(Int, String)] = []
        /// MediaId ▸ (bytes, Content-Type) served by media/get (platforms-2.md §4.1).
        var media: [String: (data: Data, contentType: String)] = [:]
        /// media/get requests: `MediaId` plus ` bytes=a-b` when ranged.
        var mediaRequests: [String] = []
        /// media/upload: (media_id, bytes, Content-Type of the part, type=).
        var uploads: [(mediaID: String, data: Data, contentType: String, type: String)] = []
    }

    let state = Mutex(State())
    private let urlBox = Mutex("")

    var url: String { urlBox.withLock { $0 } }
    var tokenFetches: Int { state.withLock { $0.tokenFetches } }
    var sends: [[String: JSONValue]] { state.withLock { $0.sends } }
    var robotSends: [[String: JSONValue]] { state.withLock { $0.robotSends } }
    var responses: [[String: JSONValue]] { state.withLock { $0.responses } }

    static func withRunning<T: Sendable>(_ body: (FakeQyAPI) async throws -> T) async throws -> T {
        let fake = FakeQyAPI()
        return try await LoopbackServer.withRunning(respond: { fake.respond($0) }) { server in
            fake.urlBox.withLock { $0 = server.url }
            return try await body(fake)
        }
    }

    /// WeCom stops accepting the current token (as after `expires_in`): the next send gets 42001.
    /// Files above this size need `Range` (830002 without), as WeCom's large media do.
    static let singleDownloadLimit = 20 << 20

    func serveMedia(_ id: String, data: Data, contentType: String) { state.withLock { $0.media[id] = (data, contentType) } }
    var mediaRequests: [String] { state.withLock { $0.mediaRequests } }
    var uploads: [(mediaID: String, data: Data, contentType: String, type: String)] { state.withLock { $0.uploads } }

    func expireToken() {
        state.withLock { $0.validToken = nil }
    }

    /// The next sends fail with these errcodes, in order.
    func failNextSends(_ errors: (Int, String)...) {
        state.withLock { $0.scriptedErrors += errors }
    }

    func waitForSends(count: Int, timeout: Duration = .seconds(30)) async throws -> [[String: JSONValue]] {
        try await waitForCount(count, timeout: timeout) { sends }
    }

    func waitFor(_ description: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        try await waitUntil(description, timeout: timeout, condition)
    }

    func respond(_ request: RecordedRequest) -> WebhookResponse {
        let query = Dictionary(
            (request.query ?? "").split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            },
            uniquingKeysWith: { first, _ in first }
        )
        let body = (try? JSONDecoder().decode([String: JSONValue].self, from: request.body)) ?? [:]
        switch (request.method, request.path) {
        case ("GET", "/cgi-bin/gettoken"):
            guard query["corpid"] == Self.corpID, query["corpsecret"] == Self.secret else {
                return Self.error(40001, "invalid credential, hint: [1718000000_1], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=40001")
            }
            let token = state.withLock { state -> String in
                state.tokenFetches += 1
                state.tokenNumber += 1
                state.validToken = "accesstoken\(String(format: "%06d", state.tokenNumber))"
                return state.validToken!
            }
            return .json(raw: #"{"errcode":0,"errmsg":"ok","access_token":"\#(token)","expires_in":7200}"#)
        case ("POST", "/cgi-bin/message/send"):
            return state.withLock { state in
                guard let token = query["access_token"], token == state.validToken else {
                    return Self.error(42001, "access_token expired, hint: [1718000000_2]")
                }
                if !state.scriptedErrors.isEmpty {
                    // A scripted 0 lets that send through.
                    let (code, message) = state.scriptedErrors.removeFirst()
                    if code != 0 { return Self.error(code, message) }
                }
                state.sends.append(body)
                return .json(raw: #"{"errcode":0,"errmsg":"ok","invaliduser":"","invalidparty":"","invalidtag":"","unlicenseduser":"","msgid":"msg\#(state.sends.count)","response_code":"xyz"}"#)
            }
        case ("GET", "/cgi-bin/media/get"):
            let range = request.headers[.range]
            enum Lookup { case badToken, missing, found(data: Data, contentType: String) }
            let lookup = state.withLock { state -> Lookup in
                guard let token = query["access_token"], token == state.validToken else { return .badToken }
                state.mediaRequests.append((query["media_id"] ?? "") + (range.map { " \($0)" } ?? ""))
                guard let media = state.media[query["media_id"] ?? ""] else { return .missing }
                return .found(data: media.data, contentType: media.contentType)
            }
            let media: (data: Data, contentType: String)
            switch lookup {
            case .badToken: return Self.error(42001, "access_token expired, hint: [1718000000_2]")
            case .missing: return Self.error(40007, "invalid media_id, hint: [1718000000_3]")
            case .found(let data, let contentType): media = (data, contentType)
            }
            let id = query["media_id"] ?? ""
            var headers: HTTPFields = [.contentType: media.contentType, .contentDisposition: "attachment; filename=\"\(id).jpg\""]
            guard let range, let bounds = range.split(separator: "=").last?.split(separator: "-").compactMap({ Int($0) }), bounds.count == 2 else {
                if media.data.count > Self.singleDownloadLimit { return Self.error(830_002, "media too large, use range download") }
                return WebhookResponse(status: .ok, headers: headers, body: media.data)
            }
            let end = min(bounds[1], media.data.count - 1)
            headers[.contentRange] = "bytes \(bounds[0])-\(end)/\(media.data.count)"
            return WebhookResponse(status: .partialContent, headers: headers, body: media.data.subdata(in: bounds[0]..<(end + 1)))
        case ("POST", "/cgi-bin/media/upload"):
            // platforms-2.md §4.1: one part named `media` with a file name; type in the query.
            guard let parts = MultipartPart.parse(request.body, contentType: request.headers[.contentType]),
                let media = parts.first(where: { $0.name == "media" }), media.fileName != nil, media.data.count > 5
            else { return Self.error(41006, "media_id missing") }
            return state.withLock { state in
                guard let token = query["access_token"], token == state.validToken else { return Self.error(42001, "access_token expired, hint: [1718000000_2]") }
                guard ["image", "voice", "video", "file"].contains(query["type"] ?? "") else { return Self.error(40004, "invalid media type") }
                let id = "3a8asd892asd8asd\(state.uploads.count + 1)"
                state.uploads.append((id, media.data, media.contentType ?? "", query["type"] ?? ""))
                return .json(raw: #"{"errcode":0,"errmsg":"","type":"\#(query["type"] ?? "")","media_id":"\#(id)","created_at":"1380000000"}"#)
            }
        case ("POST", "/cgi-bin/webhook/send"):
            guard query["key"] == Self.robotKey else {
                return Self.error(93000, "invalid webhook url, hint: [1755605200056773468916791], from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/query?e=93000")
            }
            state.withLock { $0.robotSends.append(body) }
            return .json(raw: #"{"errcode":0,"errmsg":"ok"}"#)
        case ("POST", "/cgi-bin/aibot/response"):
            let code = query["response_code"] ?? ""
            let fresh = state.withLock { state in
                guard state.usedResponseCodes.insert(code).inserted else { return false }
                state.responses.append(body)
                return true
            }
            // The second use of a response_url is refused (its errcode is not documented).
            return fresh ? .json(raw: #"{"errcode":0,"errmsg":"ok"}"#) : Self.error(40001, "response_code used")
        default:
            return WebhookResponse(status: .notFound)
        }
    }

    static func error(_ code: Int, _ message: String) -> WebhookResponse {
        .json(raw: #"{"errcode":\#(code),"errmsg":"\#(message)"}"#)
    }
}
