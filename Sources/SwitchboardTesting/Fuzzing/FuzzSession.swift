public import Foundation
import SwitchboardCore
import Synchronization

/// One input that broke a property.
public struct FuzzFinding: Sendable, CustomStringConvertible {
    public var target: String
    public var problem: String
    public var input: [UInt8]
    /// How to get the same input again.
    public var replay: String

    public var description: String {
        "\(target): \(problem)\n  replay: \(replay)\n  input (\(input.count) bytes, hex): \(Hex.encode(input.prefix(4096)))\(input.count > 4096 ? "…" : "")"
    }
}

/// Runs one fuzz target: first every input kept under `Fixtures/fuzz/<target>/` (each input that
/// ever failed), then `iterations` new ones — mutations of the seed inputs, and random bytes —
/// each checked by `check`, which returns a problem or nil. A new failing input is written to
/// the regression folder (commit it); a crash prints every input being tried (``FuzzCrashReport``);
/// an input that runs longer than the hang limit stops the process with the same report.
public struct FuzzSession: Sendable {
    public let target: String
    public let configuration: FuzzConfiguration
    /// `Fixtures/fuzz`; nil keeps no regression inputs.
    public let regressions: URL?

    public init(target: String, configuration: FuzzConfiguration = .fromEnvironment(), regressions: URL?) {
        self.target = target
        self.configuration = configuration
        self.regressions = regressions
    }

    /// The folder of this target's kept inputs (target names may hold `:` and `/`).
    var folder: URL? {
        regressions?.appendingPathComponent(target.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }.reduce(into: "") { $0.append($1) })
    }

    /// At most this many findings are collected before the session stops.
    public static let maximumFindings = 5

    /// A seed input with a name; the name goes with every input made from it (and with the
    /// random inputs tried in its place), so a check can tell which request it belongs to.
    public struct Seed: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// Runs the session with unnamed seeds.
    public func run(seeds: [[UInt8]], _ check: ([UInt8]) async -> String?) async -> [FuzzFinding] {
        await run(seeds: seeds.enumerated().map { Seed(name: "seed\($0.offset)", bytes: $0.element) }) { input, _ in await check(input) }
    }

    /// Runs the session; `check` gets each input and the name of the seed it stands for.
    public func run(seeds: [Seed], _ check: ([UInt8], String) async -> String?) async -> [FuzzFinding] {
        let slot = FuzzCrashReport.claimSlot()
        defer { slot.map(FuzzCrashReport.releaseSlot) }
        let watchdog = FuzzWatchdog(target: target, limit: configuration.hangLimit)
        defer { watchdog.stop() }
        var findings: [FuzzFinding] = []
        let seed = configuration.seed(for: target)

        func attempt(_ input: [UInt8], seed seedName: String, label: String, replay: String, keep: Bool) async {
            if let slot { FuzzCrashReport.record(slot: slot, label: "\(target) \(label) (seed input \(seedName)); replay: \(replay)", input: input) }
            watchdog.started(label: label, replay: replay, input: input)
            let problem = await check(input, seedName)
            watchdog.finished()
            // Each check is CPU work that rarely suspends: give the thread back between inputs, or
            // a session holds one of the few threads of the concurrency pool for minutes and the
            // tests running beside it wait for a timer or a socket that cannot be served.
            await Task.yield()
            guard let problem else { return }
            findings.append(FuzzFinding(target: target, problem: "\(problem) (made from \(seedName))", input: input, replay: replay))
            if keep { save(input, seed: seedName) }
        }

        for kept in kept() {
            await attempt(
                kept.input, seed: kept.seed, label: "regression input \(kept.file)", replay: "Fixtures/fuzz/\(folder?.lastPathComponent ?? "")/\(kept.file)",
                keep: false
            )
            if findings.count >= Self.maximumFindings { return findings }
        }
        guard !seeds.isEmpty else { return findings }
        var random = FuzzRandom(seed: seed)
        for iteration in 0..<configuration.iterations {
            // The checks are mostly CPU-bound: let the other tests of the process have their turn.
            if iteration % 8 == 0 { await Task.yield() }
            let base = seeds.randomElement(using: &random)!
            let input = Int.random(in: 0..<10, using: &random) == 0
                ? Mutator.randomBytes(using: &random) : Mutator.mutate(base.bytes, corpus: seeds.map(\.bytes), using: &random)
            let replay = "SWITCHBOARD_FUZZ_SEED=\(configuration.seed) SWITCHBOARD_FUZZ_ITERATIONS=\(iteration + 1) swift test --filter Fuzz"
            await attempt(input, seed: base.name, label: "seed \(configuration.seed) iteration \(iteration)", replay: replay, keep: true)
            if findings.count >= Self.maximumFindings { break }
        }
        return findings
    }

    /// The inputs kept for this target: `<seed name>--<hash>.bin`.
    func kept() -> [(file: String, seed: String, input: [UInt8])] {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { $0.hasSuffix(".bin") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { return nil }
            let seed = name.components(separatedBy: "--").first ?? name
            return (name, seed, [UInt8](data))
        }
    }

    /// Keeps a failing input as a regression case, named by its seed and its content.
    func save(_ input: [UInt8], seed: String) {
        guard let folder else { return }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in input { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("\(seed)--\(String(hash, radix: 16)).bin")
        if !FileManager.default.fileExists(atPath: file.path) { try? Data(input).write(to: file) }
    }
}

/// Stops the process with the input in hand when one input runs past the limit: a hang cannot
/// be cancelled from inside, and a test that never ends says nothing.
final class FuzzWatchdog: Sendable {
    private struct Current {
        var since: ContinuousClock.Instant
        var label: String
        var replay: String
        var input: [UInt8]
    }

    private final class State: Sendable {
        let current = Mutex<Current?>(nil)
        let stopped = Mutex(false)
    }

    private let state = State()

    init(target: String, limit: Duration) {
        let thread = Thread { [state] in
            while !state.stopped.withLock({ $0 }) {
                Thread.sleep(forTimeInterval: 0.1)
                guard let running = state.current.withLock({ $0 }), ContinuousClock.now - running.since > limit else { continue }
                let report = """
                    *** fuzz: \(target) \(running.label) took longer than \(limit): a hang
                      replay: \(running.replay)
                      input (hex): \(Hex.encode(running.input))

                    """
                FileHandle.standardError.write(Data(report.utf8))
                abort()
            }
        }
        thread.start()
    }

    func started(label: String, replay: String, input: [UInt8]) {
        state.current.withLock { $0 = Current(since: .now, label: label, replay: replay, input: input) }
    }

    func finished() {
        state.current.withLock { $0 = nil }
    }

    func stop() {
        state.stopped.withLock { $0 = true }
    }
}
