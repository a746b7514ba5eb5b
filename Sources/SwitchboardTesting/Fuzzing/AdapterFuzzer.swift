public import Foundation
import Logging
public import SwitchboardCore

/// Fuzzes every bot of every fixture folder the registry knows, through `receive` as the server
/// runs it (or `StreamFrameDecoding` for stream frames): the bot's fixture bodies, mutated, and
/// random bytes, each with the headers, query and clock of the case it stands for. A plugin
/// adapter runs the same with its own registry and fixtures.
///
/// Properties of every input:
/// - it returns (a crash or a hang stops the run with the input printed: ``FuzzSession``);
/// - a refusal is 400, 401, 403, 404, 405 or 413, with a reason; nothing else but 200;
/// - every event survives an Event JSON round trip and is the bot's;
/// - for a bot whose signature covers the body (`keys.json`'s `signed_part`), an accepted event is
///   one the platform signed: exactly an event one of the bot's unchanged cases yields. Changing
///   signed bytes never yields a new event.
public struct AdapterFuzzer: Sendable {
    public static let allowedRefusals: Set<Int> = [400, 401, 403, 404, 405, 413]

    public let runner: AdapterFixtureRunner
    public let configuration: FuzzConfiguration
    /// `Fixtures/fuzz`, where failing inputs are kept.
    public let regressions: URL?

    public init(registry: AdapterRegistry, loader: FixtureLoader, configuration: FuzzConfiguration = .fromEnvironment(), regressions: URL? = nil) {
        runner = AdapterFixtureRunner(registry: registry, loader: loader)
        self.configuration = configuration
        self.regressions = regressions ?? loader.root.appendingPathComponent("fuzz")
    }

    /// One target per bot with cases: `adapter:<platform>/<bot>` (HTTP requests) and
    /// `adapter:<platform>/<bot>/frames` (stream frames).
    public func targets() throws -> [String] {
        var targets: Set<String> = []
        for platform in try runner.loader.platforms() where runner.registry.factory(for: platform) != nil {
            for fixture in try runner.loader.cases(platform: platform) {
                targets.insert("adapter:\(platform)/\(fixture.bot)" + (fixture.request.streamFrame ? "/frames" : ""))
            }
        }
        return targets.sorted()
    }

    public func run(target: String) async throws -> [FuzzFinding] {
        let parts = target.dropFirst("adapter:".count).split(separator: "/").map(String.init)
        guard parts.count >= 2 else { throw FixtureError("not an adapter fuzz target: \(target)") }
        let (platform, bot, frames) = (parts[0], parts[1], parts.count > 2)
        let cases = try runner.loader.cases(platform: platform).filter { $0.bot == bot && $0.request.streamFrame == frames }
        let (adapter, keys) = try runner.adapter(platform: platform, bot: bot)
        var bodyIsSigned = false
        switch keys.signedPart(bot: bot) {
        case .body?, .jsonString?, .xmlElement?: bodyIsSigned = true
        case .header?, nil: bodyIsSigned = false
        }
        // Every event the platform signed for this bot: what any of its cases yields unchanged (a
        // case refused for its size, say, may carry the signed message of another).
        var signedEvents: [ChatEvent] = []
        for fixture in cases {
            signedEvents += try await check(fixture, body: fixture.body, adapter: adapter).events + (fixture.expectedEvents ?? [])
        }
        let byName = Dictionary(cases.map { ($0.name, $0) }) { first, _ in first }
        let session = FuzzSession(target: target, configuration: configuration, regressions: regressions)
        let seeds = cases.map { FuzzSession.Seed(name: $0.name, bytes: [UInt8]($0.body)) }
        let signed = bodyIsSigned
        return await session.run(seeds: seeds) { input, seedName in
            guard let fixture = byName[seedName] ?? cases.first else { return "no fixture case \(seedName)" }
            do {
                let outcome = try await check(fixture, body: Data(input), adapter: adapter)
                if let problem = outcome.problem { return problem }
                if signed, fixture.request.signed, let stranger = outcome.events.first(where: { !signedEvents.contains($0) }) {
                    return "a changed signed request yielded an event the platform never signed: \(stranger.id)"
                }
                return nil
            } catch {
                return "\(error)"
            }
        }
    }

    /// One input through the adapter; the events it yields and what is wrong with the answer.
    private func check(_ fixture: FixtureCase, body: Data, adapter: any ChatAdapter) async throws -> (events: [ChatEvent], problem: String?) {
        let now = Date(timeIntervalSince1970: fixture.request.now)
        let result: WebhookResult
        if fixture.request.streamFrame {
            guard let decoder = adapter as? any StreamFrameDecoding else { return ([], "the adapter does not decode stream frames") }
            switch decoder.handleFrame(body, now: now) {
            case .success(let frame): result = WebhookResult(response: WebhookResponse(status: .ok), events: frame.events, rejection: nil)
            case .failure(let rejection): result = WebhookResult(response: rejection.response, events: [], rejection: rejection)
            }
        } else {
            let request = try AdapterFixtureRunner.webhookRequest(fixture.request, body: body)
            var logger = Logger(label: "fuzz")
            logger.logLevel = .critical
            result = await adapter.handle(request, context: WebhookContext(now: now, logger: logger))
        }
        let status = Int(result.response.status.code)
        if let rejection = result.rejection {
            guard Self.allowedRefusals.contains(status) else { return ([], "refused with \(status) (\(rejection.reason)); expected one of \(Self.allowedRefusals.sorted())") }
            guard !rejection.reason.isEmpty else { return ([], "refused with \(status) and no reason") }
            guard result.events.isEmpty else { return ([], "refused with \(status) but yielded events") }
            return ([], nil)
        }
        guard status == 200 else { return (result.events, "answered \(status) without a refusal") }
        for event in result.events {
            guard event.bot == adapter.botID, event.id.hasPrefix("\(adapter.botID):") else { return (result.events, "event \(event.id) is not the bot's") }
            guard (try? EventJSON.decode(ChatEvent.self, from: try EventJSON.encode(event))) == event else {
                return (result.events, "event \(event.id) changes in an Event JSON round trip")
            }
        }
        return (result.events, nil)
    }
}
