import Foundation
import SwitchboardTesting
import Synchronization

/// The chaos run's dice: how often a fake fails, and how. Switched off at the end, so that what
/// is still queued can drain.
final class ChaosFaults: Sendable {
    enum Fault: Equatable {
        case none
        /// 5xx (or the platform's "busy" code), before anything was processed.
        case serverError
        /// 429, or the platform's rate-limit code.
        case rateLimited
        /// The platform refuses the access token (it expired early): the adapter must refresh.
        case tokenRefused
        /// The connection drops before anything was processed (a network loss, a timeout).
        case drop
        /// Answers, but late.
        case slow
    }

    private let state: Mutex<(enabled: Bool, random: FuzzRandom)>
    /// The share of calls that fail while faults are on.
    let rate: Double

    init(seed: UInt64, rate: Double) {
        state = Mutex((true, FuzzRandom(seed: seed)))
        self.rate = rate
    }

    var enabled: Bool { state.withLock { $0.enabled } }

    func switchOff() {
        state.withLock { $0.enabled = false }
    }

    /// The fault for the next call, from `kinds`.
    func next(_ kinds: [Fault] = [.serverError, .rateLimited, .drop, .slow]) -> Fault {
        state.withLock { state in
            guard state.enabled, Double.random(in: 0..<1, using: &state.random) < rate else { return .none }
            return kinds.randomElement(using: &state.random) ?? .none
        }
    }

    /// A random number from the run's seed (delays, choices).
    func random(in range: ClosedRange<Double>) -> Double {
        state.withLock { Double.random(in: range, using: &$0.random) }
    }

    func chance(_ probability: Double) -> Bool {
        random(in: 0...1) < probability
    }
}
