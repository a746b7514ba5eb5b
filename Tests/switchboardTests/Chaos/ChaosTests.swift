import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Synchronization
import Testing

/// The real binary under faults, with an exactly-once ledger at the end: one bot of each platform
/// and mode that can be driven over HTTP or a socket, a Dify that fails and stalls, platforms that
/// fail, time out and refuse tokens, questions sent and redelivered as platforms do, and the
/// server killed with SIGKILL at random moments and started again. With the faults off and the
/// queue drained, every question must be answered once — by the platforms' own count.
///
/// Short profile by default (CI); `SWITCHBOARD_CHAOS=long` sends 20,000 questions, and
/// `SWITCHBOARD_CHAOS_QUESTIONS` any number. `SWITCHBOARD_FUZZ_SEED` fixes the dice.
@Suite("Chaos", .serialized, .timeLimit(.minutes(30)))
struct ChaosTests {
    struct Profile {
        var questions: Int
        /// Questions started per second.
        var rate: Double
        var killEvery: ClosedRange<Double>

        static var current: Profile {
            let environment = ProcessInfo.processInfo.environment
            var profile = environment["SWITCHBOARD_CHAOS"] == "long"
                ? Profile(questions: 20_000, rate: 40, killEvery: 4...12) : Profile(questions: 240, rate: 12, killEvery: 3...7)
            if let questions = environment["SWITCHBOARD_CHAOS_QUESTIONS"].flatMap(Int.init) { profile.questions = questions }
            return profile
        }
    }

    static func config(platforms: String, state: String) -> String {
        """
        state: \(state)
        backends:
          dify: {type: dify, base_url: "\(platforms)/v1", api_key: \(ChaosPlatforms.difyKey), app: chat, retries: 2, retry_initial_delay: 100ms,
                 timeouts: {connect: 2s, first_byte: 3s, idle: 3s, total: 20s}}
        bots:
          wecom-app: {platform: wecom, mode: app, corp_id: \(ChaosPlatforms.weComCorp), agent_id: 1000002, secret: \(ChaosPlatforms.weComSecret),
                      token: \(ChaosDriver.weComToken), encoding_aes_key: "\(ChaosDriver.weComKey)", api_base: "\(platforms)"}
          wecom-aibot: {platform: wecom, mode: aibot, token: \(ChaosDriver.weComToken), encoding_aes_key: "\(ChaosDriver.weComKey)"}
          feishu: {platform: feishu, app_id: \(ChaosPlatforms.feishuAppID), app_secret: \(ChaosPlatforms.feishuSecret),
                   verification_token: \(ChaosDriver.feishuToken), encrypt_key: \(ChaosDriver.feishuKey), bot_open_id: \(ChaosPlatforms.feishuBot),
                   host: "\(platforms)", card: patch}
          ding-stream: {platform: dingtalk, mode: stream, app_key: \(ChaosPlatforms.dingTalkKey), app_secret: \(ChaosPlatforms.dingTalkSecret),
                        api_base: "\(platforms)", gateway_base: "\(platforms)", reconnect_delay: 200ms, reconnect_max_delay: 1s}
          ding-http: {platform: dingtalk, mode: http, app_key: \(ChaosPlatforms.dingTalkKey), app_secret: \(ChaosPlatforms.dingTalkSecret),
                      api_base: "\(platforms)", oapi_base: "\(platforms)"}
          generic: {platform: generic, secret: \(ChaosDriver.genericSecret), callback_url: "\(platforms)/generic/callback"}
        engine: {lease_duration: 3s, poll_interval: 100ms, max_attempts: 40, retry_initial_delay: 200ms, retry_max_delay: 2s, drain_timeout: 2s}
        """
    }

    @Test func sqliteWithKillsAndRestarts() async throws {
        let directory = try scratchDirectory()
        try await Self.run(title: "chaos · SQLite · 1 replica", directory: directory, replicas: 1, state: "{sqlite: state.sqlite}")
    }

    /// On a PostgreSQL server of its own, restarted halfway through: whenever PostgreSQL is
    /// there (the tests' server, or its programs), this runs — it is never skipped quietly.
    @Test(.enabled(if: PrivatePostgres.isThere, "PostgreSQL is not installed here (.ci/run installs it)"))
    func postgresTwoReplicasWithKillsAndADatabaseRestart() async throws {
        try await PrivatePostgres.withRunning { postgres in
            let directory = try scratchDirectory()
            try await Self.run(
                title: "chaos · PostgreSQL · 2 replicas", directory: directory, replicas: 2, state: "{postgres: \"\(postgres.url)\", schema: chaos}",
                restartDatabase: postgres
            )
        }
    }

    static func run(title: String, directory: URL, replicas: Int, state: String, restartDatabase: PrivatePostgres? = nil) async throws {
        let profile = Profile.current
        let seed = FuzzConfiguration.fromEnvironment().seed
        let faults = ChaosFaults(seed: seed, rate: 0.12)
        let ledger = ChaosLedger()
        try await ChaosPlatforms(ledger: ledger, faults: faults).run { platforms in
            try config(platforms: platforms.url, state: state).write(to: directory.appendingPathComponent("chaos.yaml"), atomically: true, encoding: .utf8)
            let cluster = ChaosCluster(directory: directory, replicas: replicas)
            try await cluster.startAll()
            let driver = ChaosDriver(platforms: platforms, cluster: cluster, transport: AsyncHTTPClientTransport())
            var sent: [(bot: String, tag: String)] = []
            let started = ContinuousClock.now
            let restarted = Flag()
            let sending = Duration.seconds(Double(profile.questions) / profile.rate)
            let deadline = started + sending + .seconds(120)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The monkey: kill a replica, start it again, until the questions are all sent.
                group.addTask {
                    while ContinuousClock.now < started + sending {
                        try await Task.sleep(for: .milliseconds(Int(faults.random(in: profile.killEvery) * 1000)))
                        let victim = Int(faults.random(in: 0...Double(replicas) - 0.001))
                        try await cluster.kill(victim)
                        try await Task.sleep(for: .milliseconds(Int(faults.random(in: 200...1500))))
                        if let restartDatabase, !restarted.value, ContinuousClock.now > started + sending / 2 {
                            restarted.value = true
                            try await restartDatabase.restart()
                        }
                        try await Self.startAgain(victim, cluster: cluster)
                    }
                }
                for number in 1...profile.questions {
                    let bot = ChaosDriver.bots[number % ChaosDriver.bots.count]
                    sent.append((bot, "[Q\(number)]"))
                    group.addTask { await driver.ask(number, bot: bot, deadline: deadline) }
                    try await Task.sleep(for: .seconds(1 / profile.rate))
                }
                try await group.waitForAll()
            }
            // Faults off, every replica up: what is queued drains.
            faults.switchOff()
            try await cluster.startAll()
            let tags = sent.map(\.tag)
            while ContinuousClock.now < deadline, tags.contains(where: { ledger.answers($0).isEmpty }) {
                try await Task.sleep(for: .milliseconds(200))
            }
            // The fence: no job pending or leased (a lost lease counts until its job is taken
            // over) — asked of the state itself with `switchboard jobs`, as an operator would.
            try await waitUntil("the queue idle", timeout: .seconds(120), poll: .milliseconds(500)) {
                try await Self.queueIsIdle(directory: directory)
            }
            // What Switchboard said it sent again without knowing whether the first had arrived.
            let uncertain = Set(cluster.output.split(separator: "\n").filter { $0.contains("an earlier attempt ended while it was on its way") }.compactMap {
                line -> String? in line.range(of: #"event_id=[^ ]*Q[0-9]+"#, options: .regularExpression).flatMap { ChaosPlatforms.tag(fromID: String(line[$0])) }
            })
            let rows = ledger.tally(sent: sent, uncertainResends: uncertain, withoutIdempotency: ["ding-http", "ding-stream", "generic"])
            let table = ChaosLedger.table(
                rows, title: "\(title): \(profile.questions) questions, \(cluster.killCount) kills\(restarted.value ? ", the database restarted" : ""), seed \(seed)"
            )
            print(table)
            let twice = rows.values.reduce(0) { $0 + $1.moreThanOnce }
            let never = rows.values.reduce(0) { $0 + $1.never }
            let detail = sent.filter { ledger.answers($0.tag).count != 1 }.prefix(10).map { question in
                let number = Int(question.tag.dropFirst(2).dropLast()) ?? 0
                return "\(question.bot) \(question.tag): \(ledger.answers(question.tag)); deliveries: \(driver.attempts.of(number).suffix(6))"
            }
            #expect(twice == 0 && never == 0, "\(table)\n\(detail.joined(separator: "\n"))")
            #expect(restartDatabase == nil || restarted.value, "the database was not restarted during the run")
            // The faults happened: replicas were killed (one per cycle of the monkey at least),
            // and the fallback — which counts as an answer — stayed rare.
            let cycle = profile.killEvery.upperBound + 3
            let kills = max(1, Int((Double(profile.questions) / profile.rate - profile.killEvery.upperBound) / cycle) + 1)
            #expect(cluster.killCount >= kills, "\(cluster.killCount) kills; at least \(kills) expected")
            let fallbacks = rows.values.reduce(0) { $0 + $1.fallback }
            #expect(fallbacks <= profile.questions / 20, "\(fallbacks) questions got the fallback instead of an answer")
            #expect(platforms.refusals.isEmpty, "the platforms refused credentials or tokens they never issued: \(Set(platforms.refusals))")
            if twice + never > 0 {
                let interesting = cluster.output.split(separator: "\n").filter { line in
                    line.contains("warning") || line.contains("error") || detail.contains { line.contains($0.prefix(12)) }
                }
                print(interesting.suffix(300).joined(separator: "\n"))
            }
            await cluster.stopAll()
        }
    }

    /// No job pending or leased, by `switchboard jobs list` on the run's state.
    static func queueIsIdle(directory: URL) async throws -> Bool {
        for status in ["pending", "leased"] {
            let listed = try await CLIProcess.runAsync(["jobs", "list", "--config", "chaos.yaml", "--status", status, "--limit", "1"], in: directory)
            guard listed.status == 0 else { throw CLIError("jobs list: \(listed.stderr)") }
            guard listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]" else { return false }
        }
        return true
    }

    /// Starts a killed replica again; a start that fails (a slow machine) is said and tried again.
    static func startAgain(_ index: Int, cluster: ChaosCluster) async throws {
        for attempt in 1...5 {
            do {
                try await cluster.start(index)
                return
            } catch {
                FileHandle.standardError.write(Data("chaos: replica \(index) did not start (attempt \(attempt)): \(String(describing: error).suffix(2000))\n".utf8))
                try await cluster.kill(index, counted: false)
            }
        }
        throw CLIError("replica \(index) did not start after 5 attempts")
    }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let state = Mutex(false)
    var value: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
