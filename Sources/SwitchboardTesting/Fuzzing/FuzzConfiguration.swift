import Foundation

/// How much to fuzz, from the environment, so that CI runs a small bounded amount and a person a
/// long run: `SWITCHBOARD_FUZZ_ITERATIONS` (default 2,000 per target), `SWITCHBOARD_FUZZ_SEED`
/// (default: a new one each run, printed with every failure so it can be replayed) and
/// `SWITCHBOARD_FUZZ_HANG_SECONDS` (how long one input may take before it counts as a hang;
/// default 10).
public struct FuzzConfiguration: Sendable {
    public var seed: UInt64
    public var iterations: Int
    public var hangLimit: Duration

    public init(seed: UInt64, iterations: Int, hangLimit: Duration = .seconds(10)) {
        self.seed = seed
        self.iterations = iterations
        self.hangLimit = hangLimit
    }

    public static func fromEnvironment(defaultIterations: Int = 2_000) -> FuzzConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["SWITCHBOARD_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let iterations = environment["SWITCHBOARD_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? defaultIterations
        let hang = environment["SWITCHBOARD_FUZZ_HANG_SECONDS"].flatMap { Double($0) } ?? 10
        return FuzzConfiguration(seed: seed, iterations: max(0, iterations), hangLimit: .milliseconds(Int(hang * 1000)))
    }

    /// The seed for one target: distinct per target, and the same for the same run seed.
    public func seed(for target: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in target.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return seed ^ hash
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same inputs.
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
