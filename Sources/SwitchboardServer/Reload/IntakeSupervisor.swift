import Logging
import ServiceLifecycle
import Synchronization
import SwitchboardCore

/// The one place long-running intakes (DingTalk Stream sockets, …) are started and stopped, keyed
/// by bot id and the bot's settings: on a reload an unchanged bot keeps its connection, a changed
/// one has it stopped and then started anew — never two sockets for one bot — and a removed one
/// has it stopped.
final class IntakeSupervisor: Service, Sendable {
    private struct Running {
        var fingerprint: String
        var task: Task<Void, Never>
    }

    private let sink: any EventSink
    private let logger: Logger
    /// The setup the intakes follow: the first, then each reload's. `run` starts with the latest,
    /// so a reload that came before it is not undone.
    private let latest: Mutex<SwitchboardSetup>
    private let running = Mutex<[String: Running]>([:])
    /// Set, under `updates`, once the intakes are swept on shutdown: no update starts one after.
    private let stopped = Mutex(false)
    /// Reloads apply one at a time.
    private let updates = AsyncSerialLock()

    init(setup: SwitchboardSetup, sink: any EventSink, logger: Logger) {
        latest = Mutex(setup)
        self.sink = sink
        self.logger = logger
    }

    func run() async throws {
        await apply(latest.withLock { $0 })
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        await withGracefulShutdownHandler {
            for await _ in stopped { break }
        } onGracefulShutdown: {
            stop.finish()
        }
        // Swept under the lock: an update running now finishes first, and none starts after.
        await updates.run {
            self.stopped.withLock { $0 = true }
            let all = running.withLock { running in
                defer { running = [:] }
                return running.values.map(\.task)
            }
            for task in all { task.cancel() }
            for task in all { await task.value }
        }
    }

    /// Brings the running intakes in line with `setup` (remembered for `run`, if it has not
    /// started yet).
    func update(to setup: SwitchboardSetup) async {
        latest.withLock { $0 = setup }
        await apply(setup)
    }

    private func apply(_ setup: SwitchboardSetup) async {
        await updates.run {
            guard !stopped.withLock({ $0 }) else { return }
            let current = running.withLock { $0 }
            for (id, intake) in current where setup.botFingerprints[id] != intake.fingerprint || setup.adapters[id] == nil {
                intake.task.cancel()
                await intake.task.value
                running.withLock { _ = $0.removeValue(forKey: id) }
                logger.info("long connection stopped for a reload", metadata: ["bot": "\(id)"])
            }
            for id in setup.botIDs {
                guard running.withLock({ $0[id] == nil }), let adapter = setup.adapters[id] else { continue }
                let services = adapter.services(feeding: sink)
                guard !services.isEmpty else { continue }
                let task = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for service in services {
                            group.addTask {
                                do {
                                    try await service.run()
                                } catch {
                                    // Intakes reconnect by themselves; one that gives up is said once.
                                    self.logger.error("a long-running intake stopped: \(error)", metadata: ["bot": "\(id)"])
                                }
                            }
                        }
                    }
                }
                running.withLock { $0[id] = Running(fingerprint: setup.botFingerprints[id] ?? "", task: task) }
            }
        }
    }
}

/// Runs closures one at a time, in order of arrival.
final class AsyncSerialLock: Sendable {
    private let state = Mutex<(busy: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if ready { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
