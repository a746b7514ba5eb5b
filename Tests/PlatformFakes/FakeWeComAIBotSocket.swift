import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
package import HummingbirdWebSocket
import HummingbirdWSClient
import Logging
import NIOCore
package import SwitchboardCore
import SwitchboardServer
package import SwitchboardTesting
package import Synchronization

/// The WeCom AI bot's long connection on loopback (platforms-2.md §2.9, platforms-3.md §6–§7):
/// `aibot_subscribe` first (checks bot_id and secret; errcode 40001 and close otherwise), pings
/// acked, pushes with server-chosen `req_id`s, every command recorded and acked after the
/// network's latency — as a real server does, never at once. It refuses what WeCom refuses: a
/// reply to a `req_id` this connection never pushed (846605), any command before the
/// subscription (the socket is closed), and 846608 once the stream window is set to have passed.
/// A command sent while another of the same `req_id` still waits for its ack is counted in
/// ``overlaps`` (the official SDKs never do it: one command in flight per `req_id`). A second
/// subscription of the same bot sends the first socket `disconnected_event` and closes it.
/// Counts the sockets open at each moment.
package final class FakeWeComAIBotSocket: Sendable {
    package static let botID = "aibAbCdEfGhIjKlMnOpQrStUvWxYz012"
    package static let secret = "fakeBotSecret0123456789"
    /// The reply commands that must name a pushed `req_id`.
    static let replies: Set<String> = ["aibot_respond_msg", "aibot_respond_welcome_msg", "aibot_respond_update_msg"]

    package struct Command: Sendable {
        package var connection: Int
        package var json: JSONValue
        package var at = ContinuousClock.now
        package var cmd: String? { json["cmd"]?.string }
        package var reqID: String? { json["headers"]?["req_id"]?.string }
        package var body: JSONValue { json["body"] ?? .null }
    }

    package struct State {
        package var port = 0
        package var subscribed: [Int: String] = [:]
        package var commands: [Command] = []
        package var streamExpired = false
        /// Connections whose pings are not answered.
        package var silent: Set<Int> = []
        /// req_ids pushed down each connection: the push's command and when.
        package var pushed: [Int: [String: (cmd: String, at: ContinuousClock.Instant)]] = [:]
        /// Commands sent but not yet acked, by connection and req_id.
        package var unacked: [Int: [String: Int]] = [:]
        package var overlaps: [String] = []
        package var violations: [String] = []
    }

    package let state = Mutex(State())
    package let sockets = OpenSockets<WebSocketOutboundWriter>()
    package let weather: NetworkWeather

    package init(weather: NetworkWeather = .standard) {
        self.weather = weather
    }

    package var url: String { "ws://127.0.0.1:\(state.withLock { $0.port })" }
    package var openSockets: Int { sockets.count }
    package var connections: Int { sockets.connections }
    package var mostOpenAtOnce: Int { sockets.mostOpenAtOnce }
    /// A socket has subscribed and is open.
    package var isSubscribed: Bool { state.withLock { !$0.subscribed.isEmpty } }
    package var commands: [Command] { state.withLock { $0.commands } }
    package func commands(_ cmd: String) -> [Command] { commands.filter { $0.cmd == cmd } }
    package func expireStreams() { state.withLock { $0.streamExpired = true } }
    /// Pings on the connections open now go unanswered (a socket gone dead); later ones are answered.
    package func stopAnsweringPings() { state.withLock { $0.silent.formUnion(sockets.openIDs) } }
    /// Commands sent while another of the same req_id waited for its ack.
    package var overlaps: [String] { state.withLock { $0.overlaps } }
    /// What the fake refused that a correct client never sends.
    package var violations: [String] { state.withLock { $0.violations } }
    /// Commands received and not acked yet (their acks wait out the network's latency).
    package var pendingAcks: Int { state.withLock { $0.unacked.values.reduce(0) { $0 + $1.values.reduce(0, +) } } }

    package static func withRunning<T: Sendable>(weather: NetworkWeather = .standard, _ body: (FakeWeComAIBotSocket) async throws -> T) async throws -> T {
        let fake = FakeWeComAIBotSocket(weather: weather)
        let server = HTTPServerBuilder.http1WebSocketUpgrade { _, _, _ in
            .upgrade([:]) { inbound, outbound, _ in
                let id = fake.sockets.opened(outbound)
                defer {
                    fake.sockets.closed(id)
                    fake.state.withLock { _ = $0.subscribed.removeValue(forKey: id) }
                }
                // Each ack goes out after its own latency, while later commands are read.
                try await withThrowingTaskGroup(of: Void.self) { acks in
                    for try await message in inbound.messages(maxSize: 16 << 20) {
                        guard case .text(let text) = message, let json = try? JSONParser.parse(Data(text.utf8)) else { continue }
                        guard let answer = try await fake.handle(Command(connection: id, json: json), outbound: outbound) else { break }
                        guard let ack = answer else { continue }
                        acks.addTask {
                            await fake.weather.wait()
                            fake.state.withLock { state in
                                if let reqID = ack.reqID, let waiting = state.unacked[id]?[reqID] {
                                    state.unacked[id]?[reqID] = waiting > 1 ? waiting - 1 : nil
                                }
                            }
                            try? await outbound.write(.text(ack.text))
                        }
                    }
                    acks.cancelAll()
                }
            }
        }
        return try await LoopbackHTTP.run(router: Router(), server: server) { port in
            fake.state.withLock { $0.port = port }
            return try await body(fake)
        }
    }

    private struct Ack {
        let reqID: String?
        let text: String
    }

    /// The ack to send after the latency; `.some(nil)` for none (an unanswered ping); nil when the
    /// socket is to be closed.
    private func handle(_ command: Command, outbound: WebSocketOutboundWriter) async throws -> Ack?? {
        let reqID = command.reqID ?? ""
        let subscribedHere = state.withLock { state -> Bool in
            state.commands.append(command)
            if state.unacked[command.connection]?[reqID] != nil { state.overlaps.append("\(command.cmd ?? "?") \(reqID)") }
            state.unacked[command.connection, default: [:]][reqID, default: 0] += 1
            return state.subscribed[command.connection] != nil
        }
        if command.cmd != "aibot_subscribe", !subscribedHere {
            state.withLock { $0.violations.append("\(command.cmd ?? "a frame without cmd") before aibot_subscribe") }
            try? await outbound.close(.policyViolation, reason: "not subscribed")
            return nil
        }
        switch command.cmd {
        case "aibot_subscribe":
            await weather.wait()
            guard command.body["bot_id"] == .string(Self.botID), command.body["secret"] == .string(Self.secret) else {
                try await outbound.write(.text(Self.ack(reqID, errcode: 40001, errmsg: "invalid secret")))
                return nil
            }
            // One live connection per bot: the previous subscriber is told and closed.
            let previous = state.withLock { state -> (Int, WebSocketOutboundWriter)? in
                let old = state.subscribed.first { $0.key != command.connection && $0.value == Self.botID }.flatMap { key, _ in self.sockets.writer(key).map { (key, $0) } }
                state.subscribed[command.connection] = Self.botID
                state.unacked[command.connection]?[reqID] = nil
                return old
            }
            if let (oldID, old) = previous {
                let event: JSONValue = [
                    "cmd": "aibot_event_callback", "headers": ["req_id": .string("disconnect-\(oldID)")],
                    "body": ["msgid": .string("dis-\(oldID)"), "aibotid": .string(Self.botID), "msgtype": "event", "event": ["eventtype": "disconnected_event"]],
                ]
                try? await old.write(.text(String(decoding: JSONWriter.data(event), as: UTF8.self)))
                try? await old.close(.normalClosure, reason: "taken over")
            }
            try await outbound.write(.text(Self.ack(reqID)))
            return .some(nil)
        case "ping":
            guard !state.withLock({ $0.silent.contains(command.connection) }) else { return .some(nil) }
            return Ack(reqID: reqID, text: Self.ack(reqID))
        case let cmd? where Self.replies.contains(cmd):
            let (push, expired) = state.withLock { ($0.pushed[command.connection]?[reqID], $0.streamExpired) }
            // A reply names a push of this connection; a stream replies to a message, an update to
            // an event, within 5 s (platforms-2.md §2.5, platforms-3.md §6).
            guard let push else { return Ack(reqID: reqID, text: Self.ack(reqID, errcode: 846_605, errmsg: "invalid req_id")) }
            if cmd == "aibot_respond_msg", push.cmd != "aibot_msg_callback" {
                return Ack(reqID: reqID, text: Self.ack(reqID, errcode: 846_605, errmsg: "invalid req_id"))
            }
            if cmd == "aibot_respond_update_msg" {
                guard push.cmd == "aibot_event_callback" else { return Ack(reqID: reqID, text: Self.ack(reqID, errcode: 846_605, errmsg: "invalid req_id")) }
                // The code WeCom gives a late update is unconfirmed; the window is not.
                if ContinuousClock.now - push.at > .seconds(5) {
                    state.withLock { $0.violations.append("aibot_respond_update_msg more than 5 s after the event") }
                    return Ack(reqID: reqID, text: Self.ack(reqID, errcode: 846_608, errmsg: "expired"))
                }
                if command.body["response_type"] != "update_template_card" || command.body["template_card"]?["task_id"] == nil {
                    state.withLock { $0.violations.append("aibot_respond_update_msg without update_template_card and a task_id") }
                    return Ack(reqID: reqID, text: Self.ack(reqID, errcode: 40_058, errmsg: "invalid template_card"))
                }
            }
            if cmd == "aibot_respond_msg", let problem = Self.streamProblem(command.body) {
                state.withLock { $0.violations.append(problem) }
                return Ack(reqID: reqID, text: Self.ack(reqID, errcode: 40_058, errmsg: problem))
            }
            return Ack(reqID: reqID, text: Self.ack(reqID, errcode: cmd == "aibot_respond_msg" && expired ? 846_608 : 0, errmsg: ""))
        default:
            return Ack(reqID: reqID, text: Self.ack(reqID))
        }
    }

    /// What WeCom refuses in a stream reply (platforms-3.md §6): content over 20,480 bytes,
    /// `msg_item` before the finishing frame or over ten of them, a `feedback.id` over 256 bytes.
    static func streamProblem(_ body: JSONValue) -> String? {
        guard body["msgtype"] == "stream", let stream = body["stream"] else { return "aibot_respond_msg without a stream" }
        if (stream["content"]?.string?.utf8.count ?? 0) > 20_480 { return "stream content over 20480 bytes" }
        if let items = stream["msg_item"]?.array {
            if stream["finish"] != .bool(true) { return "msg_item before finish" }
            if items.count > 10 { return "more than 10 msg_item" }
        }
        if (stream["feedback"]?["id"]?.string?.utf8.count ?? 0) > 256 { return "feedback.id over 256 bytes" }
        return nil
    }

    private static func ack(_ reqID: String, errcode: Int = 0, errmsg: String = "ok") -> String {
        #"{"headers":{"req_id":"\#(reqID)"},"errcode":\#(errcode),"errmsg":"\#(errmsg)"}"#
    }

    /// Pushes a frame down the newest subscribed socket, after the network's latency.
    package func push(_ frame: JSONValue) async throws {
        await weather.wait()
        let target = state.withLock { state -> (Int, WebSocketOutboundWriter)? in
            guard let id = state.subscribed.keys.max(), let writer = sockets.writer(id) else { return nil }
            if let reqID = frame["headers"]?["req_id"]?.string { state.pushed[id, default: [:]][reqID] = (frame["cmd"]?.string ?? "", .now) }
            return (id, writer)
        }
        guard let (_, socket) = target else { throw FixtureError("no subscribed AI bot connection to push to") }
        try await socket.write(.text(String(decoding: JSONWriter.data(frame), as: UTF8.self)))
    }

    /// A text message push, as WeCom sends it.
    package static func message(reqID: String, msgid: String, text: String, group: Bool = false) -> JSONValue {
        var body: [String: JSONValue] = [
            "msgid": .string(msgid), "aibotid": .string(botID), "chattype": group ? "group" : "single", "from": ["userid": "zhangsan"],
            "create_time": .number(Date().timeIntervalSince1970.rounded()), "msgtype": "text", "text": ["content": .string(group ? "@AI助手 \(text)" : text)],
        ]
        if group { body["chatid"] = "wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w" }
        return ["cmd": "aibot_msg_callback", "headers": ["req_id": .string(reqID)], "body": .object(body)]
    }

    /// Another client subscribes with the same bot (a second process, say).
    package func subscribeAsAnotherClient() async throws {
        try await WebSocketClientHelper.subscribe(url: url, botID: Self.botID, secret: Self.secret)
    }

    package func waitFor(_ description: String, timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
        try await waitUntil(description, timeout: timeout, condition)
    }
}

/// A second client of the AI bot, as another process would be.
package enum WebSocketClientHelper {
    package static func subscribe(url: String, botID: String, secret: String) async throws {
        try await WebSocketClient.connect(url: url, logger: Logger(label: "other-client")) { inbound, outbound, _ in
            let frame = #"{"cmd":"aibot_subscribe","headers":{"req_id":"aibot_subscribe_other"},"body":{"bot_id":"\#(botID)","secret":"\#(secret)"}}"#
            try await outbound.write(.text(frame))
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message, text.contains("aibot_subscribe_other") { break }
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
    }
}
