import Synchronization

/// The sockets a loopback fake of a platform holds open, numbered in the order they opened, with
/// the most ever open at once — what the tests of "one live connection per bot" count.
public final class OpenSockets<Writer: Sendable>: Sendable {
    private struct State: Sendable {
        var open: [Int: Writer] = [:]
        var opened = 0
        var mostAtOnce = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Records a socket that opened; returns its number.
    public func opened(_ writer: Writer) -> Int {
        state.withLock { state in
            state.opened += 1
            state.open[state.opened] = writer
            state.mostAtOnce = max(state.mostAtOnce, state.open.count)
            return state.opened
        }
    }

    public func closed(_ number: Int) {
        _ = state.withLock { $0.open.removeValue(forKey: number) }
    }

    /// Open now.
    public var count: Int { state.withLock { $0.open.count } }
    /// Ever opened.
    public var connections: Int { state.withLock { $0.opened } }
    /// The numbers of the connections open now.
    public var openIDs: Set<Int> { state.withLock { Set($0.open.keys) } }
    public var mostOpenAtOnce: Int { state.withLock { $0.mostAtOnce } }
    /// The most recently opened socket still open.
    public var newest: Writer? { state.withLock { state in state.open.max { $0.key < $1.key }?.value } }

    /// Every socket open now, oldest first.
    public var all: [Writer] { state.withLock { state in state.open.sorted { $0.key < $1.key }.map(\.value) } }

    public func writer(_ number: Int) -> Writer? {
        state.withLock { $0.open[number] }
    }
}
