import Foundation
import SwitchboardCore

/// `switchboard demo` for a WeCom AI bot on the long connection (`intake: websocket`): the sink
/// plays WeCom's socket. The bot subscribes; `enter_chat` is welcomed; a group @-message is
/// answered as a stream on the push's `req_id`; the same push again is not answered. Fake keys.
enum WeComAIBotSocketDemo {
    static let botID = "wecom-aibot-ws"
    static let aibotID = "aibDemoWebSocketBot00000000000000"
    static let secret = "demo-aibot-ws-secret"

    static let scenario = DemoScenario(
        title: "WeCom AI bot long connection (no public URL): subscribe, a welcome on enter_chat, a group @-message streamed back over the socket",
        botID: botID,
        bot: { sink in
            let socket = sink.replacingOccurrences(of: "http://", with: "ws://") + "/aibot"
            return "{platform: wecom, mode: aibot, intake: websocket, bot_id: \(aibotID), secret: \(secret), ws_url: \"\(socket)\", bot_name: AI助手, "
                + "welcome_text: 你好，我是 AI 助手，在群里 @ 我提问即可, update_interval: 300ms}"
        },
        secrets: [secret],
        play: { stage in try await play(stage) }
    )

    static func play(_ stage: any DemoStage) async throws {
        let socket = try await stage.acceptSocket(pathPrefix: "/aibot", timeout: .seconds(10))
        stage.say("  the bot dialled out: GET \(socket.path) (WebSocket)")
        let subscribe = try await nextCommand(socket)
        stage.say("  received: \(compact(subscribe))")
        try await ack(subscribe, socket)

        let enter: JSONValue = [
            "cmd": "aibot_event_callback", "headers": ["req_id": "demo-req-enter"],
            "body": ["msgid": "demo-ws-enter-1", "create_time": .number(Double(DemoScenario.nowSeconds) ?? 0), "aibotid": .string(aibotID),
                     "chattype": "single", "from": ["userid": "zhangsan"], "msgtype": "event", "event": ["eventtype": "enter_chat"]],
        ]
        stage.say("  WeCom pushes enter_chat (zhangsan opened the chat with the bot)")
        try await socket.send(.text(compact(enter)))
        let welcome = try await nextCommand(socket)
        stage.say("  sent at once: \(compact(welcome))")
        try await ack(welcome, socket)

        let message = groupMessage(reqID: "demo-req-1")
        stage.say("  WeCom pushes a group @-message:")
        stage.showFrame(Data(compact(message).utf8), bot: botID)
        try await socket.send(.text(compact(message)))
        while true {
            let frame = try await nextCommand(socket)
            let stream = frame["body"]?["stream"]
            stage.say("  sent: \(frame["cmd"]?.string ?? "?") req_id=\(frame["headers"]?["req_id"]?.string ?? "") finish=\(stream?["finish"] == .bool(true)) content=\(compact(stream?["content"] ?? .null))")
            try await ack(frame, socket)
            if stream?["finish"] == .bool(true) || frame["cmd"] != "aibot_respond_msg" { break }
        }

        stage.say("  … WeCom pushes the same message again (a new req_id, the same msgid)")
        try await socket.send(.text(compact(groupMessage(reqID: "demo-req-1-again"))))
        let quiet = try? await nextCommand(socket, timeout: .seconds(1))
        stage.say(quiet == nil ? "  deduplicated by msgid: nothing sent again" : "  unexpected: \(compact(quiet ?? .null))")
    }

    static func groupMessage(reqID: String) -> JSONValue {
        [
            "cmd": "aibot_msg_callback", "headers": ["req_id": .string(reqID)],
            "body": [
                "msgid": "demo-ws-msg-1", "aibotid": .string(aibotID), "chatid": "wrDemoGroup0000000000000000000", "chattype": "group",
                "from": ["userid": "zhangsan"], "create_time": .number(Double(DemoScenario.nowSeconds) ?? 0), "msgtype": "text",
                "text": ["content": "@AI助手 把今天站会的结论整理成三条待办，每条写清负责人和截止时间"],
            ],
        ]
    }

    /// The bot's next command, its pings acknowledged on the way.
    private static func nextCommand(_ socket: any DemoSocket, timeout: Duration = .seconds(15)) async throws -> JSONValue {
        while true {
            guard let message = try await socket.receive(timeout: timeout) else { throw WeComDemoSocketClosed() }
            guard case .text(let text) = message, let json = try? JSONParser.parse(Data(text.utf8)) else { continue }
            if json["cmd"] == "ping" {
                try await ack(json, socket)
                continue
            }
            return json
        }
    }

    private static func ack(_ command: JSONValue, _ socket: any DemoSocket) async throws {
        let reqID = command["headers"]?["req_id"]?.string ?? ""
        try await socket.send(.text(compact(["headers": ["req_id": .string(reqID)], "errcode": 0, "errmsg": "ok"])))
    }

    private static func compact(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.data(value), as: UTF8.self)
    }
}

struct WeComDemoSocketClosed: Error, CustomStringConvertible {
    var description: String { "the WeCom demo bot closed its socket" }
}
