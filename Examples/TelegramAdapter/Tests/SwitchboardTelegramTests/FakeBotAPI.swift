import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting
import Synchronization

/// A fake Bot API on loopback: answers `sendMessage` and `editMessageText` as Telegram does
/// (`{"ok": true, "result": Message}`), numbering the messages it "sends"; can answer the first
/// edits with 429 and `retry_after`, and refuse a token.
final class FakeBotAPI: Sendable {
    static let token = "7000000001:AAfixture-token-not-real"

    struct Call: Sendable {
        var method: String
        var body: JSONValue
        var at: ContinuousClock.Instant
    }

    private struct State {
        var calls: [Call] = []
        var nextMessageID = 9001
        var throttledEdits = 0
    }

    private let state = Mutex(State())
    let retryAfter: Int

    /// `throttledEdits`: how many `editMessageText` calls are answered 429 first.
    init(throttledEdits: Int = 0, retryAfter: Int = 1) {
        state.withLock { $0.throttledEdits = throttledEdits }
        self.retryAfter = retryAfter
    }

    var calls: [Call] { state.withLock { $0.calls } }

    func calls(_ method: String) -> [Call] { calls.filter { $0.method == method } }

    func respond(_ request: RecordedRequest) -> WebhookResponse {
        let prefix = "/bot\(Self.token)/"
        guard request.path.hasPrefix(prefix) else {
            return .json(raw: #"{"ok":false,"error_code":401,"description":"Unauthorized"}"#, status: .unauthorized)
        }
        let method = String(request.path.dropFirst(prefix.count))
        let body = (try? JSONParser.parse(request.body)) ?? .null
        return state.withLock { state in
            state.calls.append(Call(method: method, body: body, at: .now))
            switch method {
            case "sendMessage":
                state.nextMessageID += 1
                let id = state.nextMessageID - 1
                return .json(raw: #"{"ok":true,"result":{"message_id":\#(id),"chat":{"id":\#(body["chat_id"]?.string ?? "0"),"type":"group"},"date":1733140801}}"#)
            case "editMessageText":
                if state.throttledEdits > 0 {
                    state.throttledEdits -= 1
                    return .json(
                        raw: #"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after \#(retryAfter)","parameters":{"retry_after":\#(retryAfter)}}"#,
                        status: .tooManyRequests
                    )
                }
                return .json(raw: #"{"ok":true,"result":{"message_id":\#(body["message_id"]?.integer ?? 0),"date":1733140801}}"#)
            default:
                return .json(raw: #"{"ok":false,"error_code":404,"description":"Not Found"}"#, status: .notFound)
            }
        }
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
        do {
            try await waitUntil(what, timeout: timeout, poll: .milliseconds(20), condition)
        } catch is WaitTimeout {
            let seen = calls.map { "\($0.method) \($0.body["text"]?.string ?? "")" }.joined(separator: "\n")
            throw FakeTimeout(what: "\(what); the calls were:\n\(seen)")
        }
    }

    struct FakeTimeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }
}
