import Foundation
import SwiftProtobuf
import SwitchboardCore

/// `switchboard demo` for a Feishu bot on the long connection (`intake: websocket`): the sink plays
/// Feishu's endpoint and socket. The bot dials out, pings; an event arrives as a protobuf frame,
/// is acked once stored and answered in a CardKit card; the same frame again is acked, not
/// answered. Fake keys.
enum FeishuLongConnectionDemo {
    static let botID = "feishu-ws"
    static let appSecret = "demo-ws-app-secret"
    static let service: Int32 = 1

    static let scenario = DemoScenario(
        title: "Feishu long connection (no public URL): an event frame over the bot's own socket, acked once stored, answered in a CardKit card",
        botID: botID,
        bot: { sink in
            "{platform: feishu, intake: websocket, app_id: cli_demo_ws, app_secret: \(appSecret), bot_open_id: \(FeishuDemo.botOpenID), host: \"\(sink)\", update_interval: 200ms}"
        },
        sinkAnswers: [
            DemoSinkAnswer("POST", "/callback/ws/endpoint") { sink in
                let socket = sink.replacingOccurrences(of: "http://", with: "ws://") + "/ws/v2?device_id=demo&service_id=\(service)"
                return #"{"code":0,"msg":"ok","data":{"URL":"\#(socket)","ClientConfig":{"PingInterval":120,"ReconnectCount":-1,"ReconnectInterval":120,"ReconnectNonce":30}}}"#
            }
        ] + FeishuDemo.openAPI,
        secrets: [appSecret],
        play: { stage in try await play(stage) }
    )

    static func play(_ stage: any DemoStage) async throws {
        let socket = try await stage.acceptSocket(pathPrefix: "/ws/v2", timeout: .seconds(10))
        stage.say("  the bot asked Feishu for a socket (POST /callback/ws/endpoint with its AppID and AppSecret) and dialled out: GET \(socket.path)")
        let ping = try await nextFrame(socket)
        stage.say("  received: \(ping.type ?? "?") frame (method \(ping.method), service \(ping.service)); answered with a pong")
        var pong = ping
        pong.headers = [FeishuFrames.header("type", "pong")]
        try await socket.send(.binary(try pong.serializedBytes()))

        let event = FeishuDemo.event(eventID: "demo-ws-event-1", messageID: "om_demo_ws_question", text: "下周的发布窗口定在哪天？", appID: "cli_demo_ws", token: "")
        var frame = Pbbp2_Frame()
        frame.seqID = 1
        frame.logID = 101
        frame.service = service
        frame.method = FeishuFrames.data
        frame.headers = [("type", "event"), ("message_id", "demo-frame-1"), ("sum", "1"), ("seq", "0"), ("trace_id", "demo-trace-1"),
                         ("timestamp", DemoScenario.nowSeconds + "000")].map(FeishuFrames.header)
        frame.payload = JSONWriter.data(event)
        let bytes: Data = try frame.serializedBytes()
        stage.say("  Feishu pushes an event frame (\(bytes.count) bytes of protobuf; its payload is the event's JSON, as a webhook would carry it)")
        stage.showFrame(bytes, bot: botID)
        let before = stage.sinkCallCount
        try await socket.send(.binary(bytes))
        let ack = try await nextFrame(socket)
        stage.say("  ack frame, sent once the event was stored: seq \(ack.seqID), payload \(String(decoding: ack.payload, as: UTF8.self)), biz_rt \(ack.header("biz_rt") ?? "?") ms")
        try await stage.showSinkCalls(after: before)

        stage.say("  … Feishu pushes the same frame again (as it does when an ack is late)")
        let again = stage.sinkCallCount
        try await socket.send(.binary(bytes))
        let second = try await nextFrame(socket)
        try await Task.sleep(for: .seconds(1))
        stage.say("  ack frame: payload \(String(decoding: second.payload, as: UTF8.self))")
        stage.say(stage.sinkCallCount == again ? "  deduplicated by message_id: acknowledged, nothing sent again" : "  unexpected: something was sent again")
    }

    /// The bot's next frame.
    private static func nextFrame(_ socket: any DemoSocket) async throws -> Pbbp2_Frame {
        while true {
            guard let message = try await socket.receive(timeout: .seconds(15)) else { throw FeishuDemoSocketClosed() }
            guard case .binary(let bytes) = message else { continue }
            return try FeishuFrames.parse(bytes)
        }
    }
}

struct FeishuDemoSocketClosed: Error, CustomStringConvertible {
    var description: String { "the Feishu demo bot closed its socket" }
}
