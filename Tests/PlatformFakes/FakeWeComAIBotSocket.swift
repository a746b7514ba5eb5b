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

/// The WeCom AI bot's long connection on loopback (platforms-2.md §2.9): `aibot_subscribe` first
/// (checks bot_id and secret; errcode 40001 and close otherwise), pings acked, pushes with
/// server-chosen `req_id`s, every `aibot_respond_msg` / `aibot_send_msg` /
/// `aibot_respond_welcome_msg` recorded and acked (846608 once the stream window is set to have
/// passed); a second subscription of the same bot sends the first socket `disconnected_event` and
/// closes it. Counts the sockets open at each moment.
package final class FakeWeComAIBotSocket: Sendable {
    package static let botID = "aibAbCdEfGhIjKlMnOpQrStUvWxYz012"
    package static let secret = "fakeBotSecret0123456789"

    package struct Command: Sendable {
        package var connection: Int
        package var json: JSONValue
        package var cmd: String? { json["cmd"]?.string }
        package var reqID: String? { json["headers"]?["req_id"]?.string }
        package var body: JSONValue { json["body"] ?? .null }
    }

    package struct State {
        package var port = 0
        package var subscribed: [Int: String] = [:]
        package var commands: [Command] = []
        package var streamExpired = false
        package var answerPings = true
    }

    package let state = Mutex(State())
    package let sockets = OpenSockets<WebSocketOutboundWriter>()

    package var url: String { "ws://127.0.0.1:\(state.withLock { $0.port })" }
    package var openSockets: Int { sockets.count }
    package var connections: Int { sockets.connections }
    package var mostOpenAtOnce: Int { sockets.mostOpenAtOnce }
    /// A socket has subscribed and is open.
    package var isSubscribed: Bool { state.withLock { !$0.subscribed.isEmpty } }
    package var commands: [Command] { state.withLock { $0.commands } }
    package func commands(_ cmd: String) -> [Command] { commands.filter { $0.cmd == cmd } }
    package func expireStreams() { state.withLock { $0.streamExpired = true } }
    package func stopAnsweringPings() { state.withLock { $0.answerPings = false } }

    package static func withRunning<T: Sendable>(_ body: (FakeWeComAIBotSocket) async throws -> T) async throws -> T {
        let fake = FakeWeComAIBotSocket()
        let server = HTTPServerBuilder.http1WebSocketUpgrade { _, _, _ in
            .upgrade([:]) { inbound, outbound, _ in
                let id = fake.sockets.opened(outbound)
                defer {
                    fake.sockets.closed(id)
                    fake.state.withLock { _ = $0.subscribed.removeValue(forKey: id) }
                }
                for try await message in inbound.messages(maxSize: 16 << 20) {
                    guard case .text(let text) = message, let json = try? JSONParser.parse(Data(text.utf8)) else { continue }
                    if try await fake.handle(Command(connection: id, json: json), outbound: outbound) == false { return }
                }
            }
        }
        return try await LoopbackHTTP.run(router: Router(), server: server) { port in
            fake.state.withLock { $0.port = port }
            return try await body(fake)
        }
    }

    /// False when the socket is to be closed.
    private func handle(_ command: Command, outbound: WebSocketOutboundWriter) async throws -> Bool {
        state.withLock { $0.commands.append(command) }
        let reqID = command.reqID ?? ""
        switch command.cmd {
        case "aibot_subscribe":
            guard command.body["bot_id"] == .string(Self.botID), command.body["secret"] == .string(Self.secret) else {
                try await ack(reqID, errcode: 40001, errmsg: "invalid secret", outbound)
                return false
            }
            // One live connection per bot: the previous subscriber is told and closed.
            let previous = state.withLock { state -> (Int, WebSocketOutboundWriter)? in
                let old = state.subscribed.first { $0.key != command.connection && $0.value == Self.botID }.flatMap { key, _ in self.sockets.writer(key).map { (key, $0) } }
                state.subscribed[command.connection] = Self.botID
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
            try await ack(reqID, outbound)
        case "ping":
            if state.withLock({ $0.answerPings }) { try await ack(reqID, outbound) }
        case "aibot_respond_msg":
            try await ack(reqID, errcode: state.withLock { $0.streamExpired } ? 846_608 : 0, errmsg: "", outbound)
        default:
            try await ack(reqID, outbound)
        }
        return true
    }

    private func ack(_ reqID: String, errcode: Int = 0, errmsg: String = "ok", _ outbound: WebSocketOutboundWriter) async throws {
        try await outbound.write(.text(#"{"headers":{"req_id":"\#(reqID)"},"errcode":\#(errcode),"errmsg":"\#(errmsg)"}"#))
    }

    /// Pushes a frame down the newest subscribed socket.
    package func push(_ frame: JSONValue) async throws {
        guard let socket = state.withLock({ state in state.subscribed.keys.max() }).flatMap(sockets.writer) else {
            throw FixtureError("no subscribed AI bot connection to push to")
        }
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
