import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "See Switchboard work with no accounts and no configuration.",
        discussion: """
            Starts the server with one bot per platform (fake keys), the echo backend and a local sink \
            standing in for the platforms' APIs, then plays five scenarios with real signed and \
            encrypted requests — a WeCom app message, a WeCom AI-bot group @-message with its stream \
            polls, a Feishu group @-message, a DingTalk group message, and a redelivery — printing for \
            each the decoded event, the route taken and what would be sent. Ends by itself.
            """
    )

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        try await LoopbackServer.withRunning(respond: DemoSink.respond) { sink in
            let requests = DemoRequests(sink: sink.url)
            let root = try ConfigLoader(environment: [:]).load(yaml: requests.yaml, file: "demo")
            let setup = try SwitchboardSetup(
                configuration: try SwitchboardConfiguration(root: root, replicaID: "demo"), adapters: BuiltIns.adapters, backends: BuiltIns.backends,
                stateStores: StateStoreRegistry([InMemoryStateStoreFactory()], defaultKind: "memory"),
                environment: FactoryEnvironment(transport: AsyncHTTPClientTransport(), logger: Logger(label: "demo"))
            )
            try await RunningSwitchboard.run(yaml: requests.yaml, adapters: BuiltIns.platformAdapters) { server in
                let demo = DemoRun(server: server, sink: sink, setup: setup, requests: requests)
                try await demo.play()
            }
        }
    }
}

/// The five scenarios, printed.
struct DemoRun {
    let server: RunningSwitchboard
    let sink: LoopbackServer
    let setup: SwitchboardSetup
    let requests: DemoRequests

    func play() async throws {
        say("Switchboard demo: four bots (wecom-app, wecom-aibot, feishu-main, dingtalk-main), the echo backend,")
        say("and a local sink at \(sink.url) standing in for qyapi, the Feishu Open API and DingTalk.\n")

        try await scenario(1, "WeCom self-built app: an encrypted XML text message", bot: "wecom-app", try requests.weComApp(msgID: 7_000_001, text: "年假怎么申请？"))

        let aibot: JSONValue = [
            "msgid": "demo-aibot-msg-1", "aibotid": "aib-demo", "chatid": "wr-demo-group", "chattype": "group", "from": ["userid": "zhangsan"],
            "response_url": .string(sink.url + "/cgi-bin/aibot/response?response_code=demo"), "msgtype": "text",
            "text": ["content": "@AI助手 帮我写一段周会开场白，提醒大家先同步上周的三个风险项，再讨论本周的发布计划和值班安排"],
        ]
        let ack = try await scenario(2, "WeCom AI bot: a group @-message, answered as a stream WeCom polls", bot: "wecom-aibot", try requests.weComAIBot(aibot), quiet: true)
        let frame = try DemoRequests.openAIBotAnswer(Data(ack.body.utf8))
        say("  first frame (the ack, decrypted): \(compact(frame))")
        let streamID = frame["stream"]?["id"]?.string ?? ""
        for poll in 1...40 {
            try await Task.sleep(for: .milliseconds(300))
            let answer = try await post(try requests.weComAIBot(["msgid": .string("demo-poll-\(poll)"), "msgtype": "stream", "stream": ["id": .string(streamID)]]))
            let polled = try DemoRequests.openAIBotAnswer(Data(answer.body.utf8))
            say("  poll \(poll): finish=\(polled["stream"]?["finish"] == .bool(true)) content=\(compact(polled["stream"]?["content"] ?? .null))")
            if polled["stream"]?["finish"] == .bool(true) { break }
        }
        say("")

        let feishu = try requests.feishu(eventID: "demo-event-1", messageID: "om_demo_question", text: "帮我总结一下本周进展")
        try await scenario(3, "Feishu: a group @-message, answered in a card updated in place", bot: "feishu-main", feishu)
        try await scenario(4, "DingTalk: a group @-message over the HTTP callback, answered through its session webhook", bot: "dingtalk-main", requests.dingTalk(msgID: "demo-ding-1", text: "明天几点开会？"))

        say("── 5. A redelivery: Feishu sends the same event again (as it does when an ack is late) ──")
        let before = sink.requests.count
        let again = try await post(feishu)
        try await Task.sleep(for: .seconds(1))
        say("  ack: \(again.status) \(again.body)")
        say(sink.requests.count == before ? "  deduplicated by message_id: acknowledged, nothing sent again\n" : "  unexpected: something was sent again\n")
        say("That is the whole flow: verify ▸ decode ▸ persist ▸ ack ▸ route ▸ backend ▸ render ▸ send.")
        say("Next: `switchboard check --config switchboard.yaml` with your own bots; see the adapters' READMEs.")
    }

    /// Prints the decoded event and route, posts the request to the server, prints the ack and,
    /// once the sink has settled, what was sent.
    @discardableResult
    func scenario(_ number: Int, _ title: String, bot: String, _ request: WebhookRequest, quiet: Bool = false) async throws -> (status: Int, body: String) {
        say("── \(number). \(title) ──")
        say("  request: \(request.method) \(request.path)\(request.rawQuery.map { "?" + $0.prefix(40) + "…" } ?? "") (\(request.body.count) bytes, signed and encrypted as the platform does)")
        if let adapter = setup.adapters[bot] {
            let result = await adapter.handle(request, context: WebhookContext(now: Date(), willAnswer: { [routing = setup.routing] in routing.answers($0) }))
            for event in result.events {
                say("  decoded event:\n" + indent(String(decoding: try EventJSON.encode(event, pretty: true), as: UTF8.self)))
                say("  route: " + describe(setup.routing.route(event)))
            }
        }
        let before = sink.requests.count
        let answer = try await post(request)
        if !quiet { say("  ack: \(answer.status) \(answer.body.isEmpty ? "(empty body)" : answer.body)") }
        if !quiet {
            try await settle(after: before)
            for sent in sink.requests.dropFirst(before) { say("  sent: " + DemoSink.describe(sent)) }
            say("")
        }
        return answer
    }

    func post(_ request: WebhookRequest) async throws -> (status: Int, body: String) {
        let url = server.url + request.path + (request.rawQuery.map { "?" + $0 } ?? "")
        return try await server.send(OutboundRequest(method: request.method, url: url, headers: request.headers, body: request.body))
    }

    /// Waits for the sink to receive something, then for it to stay quiet a moment.
    func settle(after count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while sink.requests.count == count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        var seen = sink.requests.count
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(700))
            if sink.requests.count == seen { return }
            seen = sink.requests.count
        }
    }

    func describe(_ decision: RouteDecision) -> String {
        switch decision {
        case .reply(let match): "rule \(match.rule) ▸ backend \(match.backend) (conversation \(match.scope)), query \"\(match.query)\""
        case .command(let command, _): "the built-in command \(command.rawValue)"
        case .ignore: "ignored: no rule matches"
        }
    }

    func compact(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.data(value), as: UTF8.self)
    }

    func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    }

    func say(_ line: String) {
        print(line)
    }
}
