import Foundation
public import Hummingbird
import Synchronization

/// The network between Switchboard and a platform, as the fakes play it: every answer (an HTTP
/// response's head, a socket's ack or push) waits a random latency drawn from `milliseconds`, from
/// a seeded generator, so a race that needs a real round trip shows up on loopback too — where a
/// fake answering in microseconds would hide it.
///
/// ``standard`` (20–300 ms) is what the end-to-end, long-connection and chaos tests run under by
/// default. `SWITCHBOARD_TEST_WEATHER=off` turns it off for a run (`=50-800` sets another range)
/// and `SWITCHBOARD_TEST_WEATHER_SEED=N` picks the seed; a failing run prints neither, so the
/// seed is fixed unless set.
public final class NetworkWeather: Sendable {
    /// The latency range in milliseconds; `0...0` is a calm network.
    public let milliseconds: ClosedRange<Int>
    public let seed: UInt64
    private let generator: Mutex<SeededGenerator>

    public init(milliseconds: ClosedRange<Int>, seed: UInt64 = 0x5EED) {
        precondition(milliseconds.lowerBound >= 0, "a latency cannot be negative")
        self.milliseconds = milliseconds
        self.seed = seed
        generator = Mutex(SeededGenerator(seed: seed))
    }

    /// No latency at all: for the unit tests whose subject is not the network.
    public static let calm = NetworkWeather(milliseconds: 0...0)

    /// The default weather of the fakes: 20–300 ms per answer, or what the environment says.
    public static let standard: NetworkWeather = {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["SWITCHBOARD_TEST_WEATHER_SEED"].flatMap(UInt64.init) ?? 0x5EED
        switch environment["SWITCHBOARD_TEST_WEATHER"] {
        case "off", "calm", "0": return NetworkWeather(milliseconds: 0...0, seed: seed)
        case let range?:
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] >= 0, bounds[0] <= bounds[1] { return NetworkWeather(milliseconds: bounds[0]...bounds[1], seed: seed) }
            return NetworkWeather(milliseconds: 20...300, seed: seed)
        case nil: return NetworkWeather(milliseconds: 20...300, seed: seed)
        }
    }()

    public var isCalm: Bool { milliseconds.upperBound == 0 }

    /// The next latency.
    public func next() -> Duration {
        guard !isCalm else { return .zero }
        return .milliseconds(generator.withLock { Int.random(in: milliseconds, using: &$0) })
    }

    /// Waits the next latency (returns at once when cancelled).
    public func wait() async {
        let latency = next()
        guard latency > .zero else { return }
        try? await Task.sleep(for: latency)
    }
}

/// Makes every route of a fake's router answer after the weather's latency.
public struct WeatherMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Where the latency falls: before the fake handles the request (on the way there), or after
    /// (on the way back) — for a fake that judges when requests arrive (a rate limit), so that
    /// its judgement is made on arrival, as the real server's is.
    public enum Leg: Sendable {
        case beforeHandling, afterHandling
    }

    public let weather: NetworkWeather
    public let leg: Leg

    public init(_ weather: NetworkWeather, leg: Leg = .beforeHandling) {
        self.weather = weather
        self.leg = leg
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if leg == .beforeHandling { await weather.wait() }
        let response = try await next(request, context)
        if leg == .afterHandling { await weather.wait() }
        return response
    }
}

/// SplitMix64: small, fast and the same on every machine for a seed.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
