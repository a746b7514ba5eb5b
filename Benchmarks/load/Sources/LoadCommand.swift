import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import SwitchboardServer

/// `switchboard-load`: the all-hands burst against the release binary (Benchmarks/load/run).
@main
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-load",
        abstract: "Replay a burst of signed, encrypted messages from Feishu, WeCom and DingTalk against a running switchboard with a paced streaming Dify, and print one table."
    )

    @Option(help: "The switchboard binary to start.") var binary: String
    @Option(help: "Messages in the burst.") var messages = 5_000
    @Option(help: "The platforms the messages are spread over, in turn: feishu, wecom, dingtalk.") var platforms = "feishu,wecom,dingtalk"
    @Option(help: "Seconds the burst is spread over.") var seconds = 60.0
    @Option(help: "Seconds before Dify's first token.") var firstToken = 1.0
    @Option(help: "Dify's tokens per second, per answer.") var tokensPerSecond = 20.0
    @Option(help: "Tokens per write of the fake Dify (the rest of the pace is unchanged).") var tokensPerWrite = 2
    @Option(help: "Answer length in bytes, as MIN-MAX.") var answerBytes = "1000-3000"
    @Option(help: "Seconds after the burst's last message to wait for the answers still streaming.") var patience = 180.0
    @Option(help: "The core the server is pinned to.") var serverCore = 0
    @Option(help: "The server's port.") var port = 18_701
    @Option(help: "engine.concurrency of the server.") var concurrency = 4_096
    @Option(help: "The state section of the server's config, as YAML flow.") var state = "{sqlite: state.sqlite}"
    @Option(help: "A directory for the config, state and the server's log (default: a new temporary one).") var work: String?

    func run() async throws {
        let bounds = answerBytes.split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1] else { throw ValidationError("--answer-bytes must be MIN-MAX, e.g. 1000-3000") }
        let pace = AnswerPace(
            firstToken: .seconds(firstToken), tokensPerSecond: tokensPerSecond, tokensPerWrite: max(1, tokensPerWrite), answerBytes: bounds[0]...bounds[1]
        )
        let directory = work ?? NSTemporaryDirectory() + "switchboard-load-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ledger = LoadLedger(count: messages)
        let names: [String: LoadPlatform] = ["feishu": .feishu, "wecom": .wecom, "dingtalk": .dingtalk]
        let chosen = try platforms.split(separator: ",").map { name in
            guard let platform = names[name.trimmingCharacters(in: .whitespaces).lowercased()] else {
                throw ValidationError("--platforms: unknown platform \(name); use feishu, wecom and dingtalk")
            }
            return platform
        }
        guard !chosen.isEmpty else { throw ValidationError("--platforms names none") }
        let burst = (0..<messages).map { index in
            LoadMessage(index: index, platform: chosen[index % chosen.count], sendAt: 3 + Double(index) * seconds / Double(messages))
        }
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: 2_048)
        pool.retryConnectionEstablishment = true
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: .init(connectionPool: pool))
        do {
            try await run(burst, ledger: ledger, pace: pace, directory: directory, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func run(_ burst: [LoadMessage], ledger: LoadLedger, pace: AnswerPace, directory: String, client: HTTPClient) async throws {
        let fakes = LoadFakes(ledger: ledger, pace: pace)
        try await LoopbackHTTP.run(router: fakes.difyRouter()) { difyPort in
            try await LoopbackHTTP.run(router: fakes.platformRouter()) { platformPort in
                try await run(burst, ledger: ledger, dify: "http://127.0.0.1:\(difyPort)", platforms: "http://127.0.0.1:\(platformPort)", directory: directory, client: client)
            }
        }
    }

    /// The server started against the fakes, the burst replayed, the table printed.
    private func run(_ burst: [LoadMessage], ledger: LoadLedger, dify: String, platforms: String, directory: String, client: HTTPClient) async throws {
        let requests = try PlatformRequests(fakes: platforms)
        let config = directory + "/switchboard.yaml"
        try configYAML(dify: dify, requests: requests).write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerUnderLoad(binary: binary, core: serverCore, config: config, directory: directory)
        defer { server.stop() }
        try await waitForHealth(client)
        try await Task.sleep(for: .seconds(2))
        let idle = server.memory().rss
        let cpuBefore = server.cpuSeconds()
        let driverBefore = ownCPUSeconds()
        log("server up (idle RSS \(Int(idle)) MB); replaying \(messages) messages over \(Int(seconds)) s")

        let driver = LoadDriver(server: "http://127.0.0.1:\(port)", requests: requests, ledger: ledger, client: client)
        let replay = Task { await driver.replay(burst) }
        // Until every answer is complete, or `patience` has passed since the burst's end.
        let giveUp = 3 + seconds + patience
        while true {
            try await Task.sleep(for: .seconds(5))
            let records = ledger.all
            let done = records.filter { $0.completed != nil }.count
            let acked = records.filter { $0.acked != nil }.count
            log(String(format: "%5.0f s: %d acked, %d answered, %d Dify streams open at peak, RSS %.0f MB", ledger.now, acked, done, ledger.peakStreams, server.memory().rss))
            if done == messages { break }
            if ledger.now > giveUp {
                log("gave up waiting: \(messages - done) answers incomplete \(Int(patience)) s after the burst")
                break
            }
            guard server.process.isRunning else { throw LoadError("the server exited; see \(directory)/server.log") }
        }
        replay.cancel()
        await replay.value
        LoadReport(
            messages: burst, records: ledger.all, pollTimes: driver.polls.all, peakStreams: ledger.peakStreams, idleRSS: idle,
            peakRSS: server.memory().peak, serverCPU: server.cpuSeconds() - cpuBefore, driverCPU: ownCPUSeconds() - driverBefore,
            unexpected: ledger.unexpectedCalls
        ).print()
    }

    private func configYAML(dify: String, requests: PlatformRequests) -> String {
        """
        server: {host: 127.0.0.1, port: \(port)}
        state: \(state)
        engine: {concurrency: \(concurrency)}
        backends:
          dify: {type: dify, base_url: "\(dify)/v1", api_key: app-load, app: chat}
        bots:
        \(requests.botsYAML())
        routes:
          - {name: mentions, when: {mention: true}, backend: dify}

        """
    }

    private func waitForHealth(_ client: HTTPClient) async throws {
        for _ in 0..<200 {
            if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(1)), response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LoadError("the server did not answer /healthz within 20 s")
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
