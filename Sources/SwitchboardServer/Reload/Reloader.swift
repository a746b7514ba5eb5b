import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import UnixSignals

/// Re-reads the configuration file and swaps, for new work, the bots, routes, backends and
/// targets — all built and checked before anything changes; an invalid file is refused with the
/// one line `check` gives and the running configuration stays. Jobs in flight finish with what
/// they started with (``Engine``'s pinned snapshot). Settings a running process cannot change
/// (server, state, engine, admin, telemetry) are kept, and the answer says a restart applies them.
final class Reloader: Sendable {
    let live: LiveSetup
    let engine: Engine
    let bots: LiveBots
    let notifier: LiveNotifier?
    let intakes: IntakeSupervisor
    let rebuild: @Sendable () throws -> SwitchboardSetup
    let transport: any HTTPTransport
    let logger: Logger
    let clock: @Sendable () -> Date
    private let serial = AsyncSerialLock()

    init(
        live: LiveSetup, engine: Engine, bots: LiveBots, notifier: LiveNotifier?, intakes: IntakeSupervisor,
        rebuild: @escaping @Sendable () throws -> SwitchboardSetup, transport: any HTTPTransport, logger: Logger, clock: @escaping @Sendable () -> Date
    ) {
        self.live = live
        self.engine = engine
        self.bots = bots
        self.notifier = notifier
        self.intakes = intakes
        self.rebuild = rebuild
        self.transport = transport
        self.logger = logger
        self.clock = clock
    }

    /// One reload: what changed, or why nothing did.
    func reload() async -> Result<String, any Error> {
        await serial.run {
            let old = live.current
            let new: SwitchboardSetup
            do {
                new = try rebuild().reusing(adaptersFrom: old)
            } catch {
                logger.error("reload refused; the running configuration stays: \(error)")
                return .failure(ReloadRefused(reason: "\(error)"))
            }
            engine.swap(Engine.Snapshot(router: new.routing, backends: new.backends, adapters: new.adapters))
            bots.swap(new.adapters)
            (transport as? AsyncHTTPClientTransport)?.egress.apply(new.configuration.egress)
            notifier?.swap(new.notifier(transport: transport, logger: logger))
            live.replace(with: new, at: clock())
            await intakes.update(to: new)
            let message = Self.summary(old: old, new: new)
            logger.info("configuration reloaded: \(message)")
            for warning in new.warnings { logger.warning("\(warning)") }
            return .success(message)
        }
    }

    static func summary(old: SwitchboardSetup, new: SwitchboardSetup) -> String {
        let added = new.botIDs.filter { old.botFingerprints[$0] == nil }
        let removed = old.botIDs.filter { new.botFingerprints[$0] == nil }
        let changed = new.botIDs.filter { old.botFingerprints[$0] != nil && old.botFingerprints[$0] != new.botFingerprints[$0] }
        var parts = ["\(new.botIDs.count) bots, \(new.routing.rules.count) routes, \(new.backends.count) backends"]
        if !added.isEmpty { parts.append("added \(added.joined(separator: ", "))") }
        if !removed.isEmpty { parts.append("removed \(removed.joined(separator: ", "))") }
        if !changed.isEmpty { parts.append("changed \(changed.joined(separator: ", "))") }
        let restart = restartOnly(old: old.configuration, new: new.configuration)
        if !restart.isEmpty { parts.append("\(restart.joined(separator: ", ")) changed too: a restart applies that") }
        return parts.joined(separator: "; ")
    }

    /// The sections a reload does not apply.
    static func restartOnly(old: SwitchboardConfiguration, new: SwitchboardConfiguration) -> [String] {
        var sections: [String] = []
        if old.server != new.server { sections.append("server") }
        if old.stateText != new.stateText { sections.append("state") }
        if old.engineText != new.engineText { sections.append("engine") }
        if old.admin != new.admin { sections.append("admin") }
        if old.telemetry != new.telemetry { sections.append("telemetry") }
        return sections
    }
}

/// A reload that changed nothing, and why (the one line `check` would print).
struct ReloadRefused: Error, CustomStringConvertible {
    var reason: String
    var description: String { "the new configuration was refused, the running one stays: \(reason)" }
}

/// SIGHUP reloads the configuration.
struct ReloadOnHangup: Service {
    let reloader: Reloader

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                _ = await reloader.reload()
            }
        }
    }
}
