import Foundation
import SwitchboardCore
import SwitchboardServer

/// The scenarios, played on the running server and printed.
struct DemoRun: DemoStage {
    let server: String
    let transport: AsyncHTTPClientTransport
    let sink: DemoSink
    let setup: SwitchboardSetup
    /// What is never printed (the scenarios' ``DemoScenario/secrets``).
    let secrets: [String]

    var sinkURL: String { sink.url }
    var sinkCallCount: Int { sink.calls.count }

    func play(_ scenarios: [DemoScenario]) async throws {
        let bots = Array(Set(scenarios.map(\.botID))).sorted()
        say("Switchboard demo: \(bots.count) bot\(bots.count == 1 ? "" : "s") (\(bots.joined(separator: ", "))), the echo backend,")
        say("and a local sink at \(sink.url) standing in for the platforms' APIs.\n")
        // Bots on long connections dial out as the server starts: let those calls land before the
        // first scenario, so they are not printed as its answer.
        try await quiesce()
        for (number, scenario) in scenarios.enumerated() {
            say("── \(number + 1). \(scenario.title) ──")
            try await scenario.play(self)
            say("")
        }
        say("That is the whole flow: verify ▸ decode ▸ persist ▸ ack ▸ route ▸ backend ▸ render ▸ send.")
        say("Next: `switchboard check --config switchboard.yaml` with your own bots; see the adapters' READMEs.")
    }

    @discardableResult
    func show(_ request: WebhookRequest, bot: String, quiet: Bool) async throws -> (status: Int, body: Data) {
        say("  request: \(request.method) \(request.path)\(request.rawQuery.map { "?" + $0.prefix(40) + "…" } ?? "") (\(request.body.count) bytes, signed as the platform does)")
        if let adapter = setup.adapters[bot] {
            let result = await adapter.handle(request, context: WebhookContext(now: Date(), willAnswer: { [routing = setup.routing] in routing.answers($0) }))
            showDecoded(result.events)
        }
        let before = sinkCallCount
        let answer = try await post(request)
        guard !quiet else { return answer }
        say("  ack: \(answer.status) \(answer.body.isEmpty ? "(empty body)" : String(decoding: answer.body, as: UTF8.self))")
        try await showSinkCalls(after: before)
        return answer
    }

    func showFrame(_ frame: Data, bot: String) {
        guard let decoder = setup.adapters[bot] as? any StreamFrameDecoding else { return }
        switch decoder.handleFrame(frame, now: Date()) {
        case .success(let result): showDecoded(result.events)
        case .failure(let rejection): say("  refused: \(rejection.reason)")
        }
    }

    func showSinkCalls(after count: Int) async throws {
        try await settle(after: count)
        for call in sink.calls.dropFirst(count) { say("  sent: " + call.description) }
    }

    func acceptSocket(pathPrefix: String, timeout: Duration) async throws -> any DemoSocket {
        try await sink.acceptSocket(pathPrefix: pathPrefix, timeout: timeout)
    }

    private func showDecoded(_ events: [ChatEvent]) {
        for event in events {
            say("  decoded event:\n" + indent(String(decoding: (try? EventJSON.encode(event, pretty: true)) ?? Data(), as: UTF8.self)))
            say("  route: " + describe(setup.routing.route(event)))
        }
    }

    func post(_ request: WebhookRequest) async throws -> (status: Int, body: Data) {
        let url = server + request.path + (request.rawQuery.map { "?" + $0 } ?? "")
        let response = try await transport.execute(OutboundRequest(method: request.method, url: url, headers: request.headers, body: request.body))
        return (Int(response.status.code), try await response.body.collect(upTo: 1 << 20))
    }

    func say(_ line: String) {
        print(secrets.reduce(line) { $0.replacingOccurrences(of: $1, with: "•••") })
    }

    /// Waits for the sink to stay quiet for half a second.
    private func quiesce() async throws {
        var seen = -1
        while sinkCallCount != seen {
            seen = sinkCallCount
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Waits for the sink to receive something, then for it to stay quiet a moment.
    private func settle(after count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while sinkCallCount == count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        var seen = sinkCallCount
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(700))
            if sinkCallCount == seen { return }
            seen = sinkCallCount
        }
    }

    private func describe(_ decision: RouteDecision) -> String {
        switch decision {
        case .reply(let match): "rule \(match.rule) ▸ backend \(match.backend) (conversation \(match.scope)), query \"\(match.query)\""
        case .command(let command, _): "the built-in command \(command.rawValue)"
        case .ignore: "ignored: no rule matches"
        }
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    }
}
