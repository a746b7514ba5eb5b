import Benchmark
import Foundation
import Logging
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardSQLite
import Synchronization

/// `Engine.accept` — route, claim the dedup key and persist the job — one event per call, as a
/// webhook does, measured in events per second on each durable store. The worker loop does not
/// run, so only the intake is measured.
///
/// Each sample opens a fresh store and warms it up outside the measurement, then times 1,000
/// accepts, so neither file creation nor connecting is counted.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock],
        timeUnits: .microseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(15),
        maxIterations: 20
    )

    renderBenchmarks()
    streamingBenchmarks()
    weComDecodeBenchmarks()
    feishuDecodeBenchmarks()
    dingTalkDecodeBenchmarks()

    Benchmark("Engine.accept · SQLite file") { benchmark in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)/state.sqlite").path
        let engine = makeEngine(store: try SQLiteStateStore.open(path: path))
        try await acceptEach(benchmark, engine)
    }

    // 32 webhooks at once, as a burst brings them: enqueues arriving while a transaction commits
    // go together in the next (EnqueueBatcher), each caller answered after its own commit.
    Benchmark("Engine.accept · SQLite file · 32 at once (group commit)") { benchmark in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)/state.sqlite").path
        let engine = makeEngine(store: try SQLiteStateStore.open(path: path))
        try await acceptEach(benchmark, engine, callers: 32)
    }

    if let url = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"], !url.isEmpty {
        Benchmark("Engine.accept · PostgreSQL on loopback") { benchmark in
            // One schema for every run; ids are unique per sample, so rows only accumulate.
            let schema = "switchboard_bench"
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let store = try await PostgresStateStore.open(try PostgresStoreConfiguration(url: url, schema: schema), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in store.services { group.addTask { try await service.run() } }
                defer { group.cancelAll() }
                try await acceptEach(benchmark, makeEngine(store: store))
            }
        }
        Benchmark("Engine.accept · PostgreSQL on loopback · 32 at once (group commit)") { benchmark in
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let store = try await PostgresStateStore.open(try PostgresStoreConfiguration(url: url, schema: "switchboard_bench"), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in store.services { group.addTask { try await service.run() } }
                defer { group.cancelAll() }
                try await acceptEach(benchmark, makeEngine(store: store), callers: 32)
            }
        }
    }
}

/// Accepts one new event per iteration, timing only the calls that follow a warm-up; with
/// `callers` > 1 that many tasks share the events, each accepting its share one by one.
func acceptEach(_ benchmark: Benchmark, _ engine: Engine, callers: Int = 1) async throws {
    let warmUp = 20
    let sample = samples.add(1, ordering: .relaxed).newValue
    let events = (0..<benchmark.scaledIterations.count + warmUp).map { sampleEvent(sample: sample, number: $0) }
    for event in events.prefix(warmUp) {
        blackHole(try await engine.accept([event]))
    }
    let measured = Array(events.dropFirst(warmUp))
    benchmark.startMeasurement()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for caller in 0..<callers {
            group.addTask {
                for event in stride(from: caller, to: measured.count, by: callers).map({ measured[$0] }) {
                    blackHole(try await engine.accept([event]))
                }
            }
        }
        try await group.waitForAll()
    }
    benchmark.stopMeasurement()
}

func makeEngine(store: any StateStore) -> Engine {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return Engine(
        store: store,
        router: RoutingTable.answeringDirectAndMentions(backend: "echo"),
        backends: ["echo": EchoBackend()],
        adapters: [:],
        transport: NoTransport(),
        configuration: EngineConfiguration(replicaID: "bench"),
        logger: logger
    )
}

/// A group message that @-mentions the bot, unique per run, sample and number, spread over 50
/// chats.
func sampleEvent(sample: Int, number: Int) -> ChatEvent {
    let run = "\(runID)-\(sample)"
    return ChatEvent(
        id: "bench:\(run)-\(number)", platform: "generic", bot: "bench",
        conversation: Conversation(id: "chat-\(number % 50)", type: .group, title: "运维群"),
        sender: Participant(id: "user-\(number % 200)", name: "张三"),
        text: "帮我查一下年假还有几天，顺便看看报销进度", mentionsBot: true,
        mentions: [Participant(id: "bot", name: "Switchboard", isBot: true)],
        segments: [.mention(Participant(id: "bot", name: "Switchboard", isBot: true)), .text("帮我查一下年假还有几天，顺便看看报销进度")],
        messageID: "\(run)-\(number)", timestamp: Date(), replyAddress: ReplyAddress(["message_id": "\(run)-\(number)"])
    )
}

let runID = UUID().uuidString.prefix(8)
let samples = Atomic(0)

/// Nothing is delivered in this benchmark.
struct NoTransport: HTTPTransport {
    func execute(_ request: OutboundRequest) async throws -> OutboundResponse {
        OutboundResponse(status: .serviceUnavailable)
    }
}
