import Foundation
import Synchronization

/// The running configuration: one immutable ``SwitchboardSetup`` that a reload replaces whole.
/// Work takes the snapshot it starts with and keeps it to the end.
final class LiveSetup: Sendable {
    private let state: Mutex<(setup: SwitchboardSetup, reloadedAt: Date?)>

    init(_ setup: SwitchboardSetup) {
        state = Mutex((setup, nil))
    }

    var current: SwitchboardSetup { state.withLock { $0.setup } }
    var reloadedAt: Date? { state.withLock { $0.reloadedAt } }

    func replace(with setup: SwitchboardSetup, at time: Date) {
        state.withLock { $0 = (setup, time) }
    }
}
