public import Foundation
import HTTPTypes
import Logging
public import SwitchboardCore

/// Runs fixture cases through an adapter exactly as the server does — same request conversion,
/// same rejection handling, the case's recorded clock — and reports every difference from the
/// golden files, plus violations of the rules every adapter must meet:
///
/// - the same request yields the same events with the same ids (a redelivery is recognised);
/// - every event survives an Event JSON round trip unchanged;
/// - when the bot's `keys.json` says the body is signed (the default), the same request with one
///   body byte changed is refused with 401 or 403 — before parsing, so never with a 400.
///
/// It imports no test framework: a test asserts that ``FixtureOutcome/problems`` is empty.
public struct AdapterFixtureRunner: Sendable {
    public let registry: AdapterRegistry
    public let loader: FixtureLoader

    public init(registry: AdapterRegistry, loader: FixtureLoader) {
        self.registry = registry
        self.loader = loader
    }

    /// Builds `bot` of `platform` from its `keys.json`.
    public func adapter(platform: String, bot: String) throws -> (any ChatAdapter, FixtureKeys) {
        let keys = try loader.keys(platform: platform)
        let environment = FactoryEnvironment(transport: OfflineTransport(), logger: Logger(label: "fixtures"))
        return (try registry.makeAdapter(botID: bot, config: try keys.section(bot: bot), environment: environment), keys)
    }

    /// Runs one case.
    public func run(_ fixture: FixtureCase) async throws -> FixtureOutcome {
        let (adapter, keys) = try adapter(platform: fixture.platform, bot: fixture.bot)
        if fixture.request.streamFrame { return try runFrame(fixture, adapter: adapter) }
        let request = try Self.webhookRequest(fixture.request, body: fixture.body)
        let context = WebhookContext(now: Date(timeIntervalSince1970: fixture.request.now), logger: Logger(label: "fixtures"))
        let result = await adapter.handle(request, context: context)
        var problems = Self.goldenProblems(result, fixture, body: "body")
        problems += try await conformance(adapter: adapter, keys: keys, request: request, signed: fixture.request.signed, context: context, result: result)
        return FixtureOutcome(fixture: fixture, result: result, problems: problems)
    }

    /// A stream-frame case: the frame through ``StreamFrameDecoding``, the reply and events
    /// against the golden files, the same frame twice giving the same event ids.
    private func runFrame(_ fixture: FixtureCase, adapter: any ChatAdapter) throws -> FixtureOutcome {
        guard let decoder = adapter as? any StreamFrameDecoding else {
            let result = WebhookResult(response: WebhookResponse(status: .internalServerError), events: [], rejection: nil)
            return FixtureOutcome(fixture: fixture, result: result, problems: ["the \(fixture.platform) adapter does not decode stream frames (StreamFrameDecoding)"])
        }
        let now = Date(timeIntervalSince1970: fixture.request.now)
        let outcome = decoder.handleFrame(fixture.body, now: now)
        let result: WebhookResult
        switch outcome {
        case .success(let frame):
            result = WebhookResult(response: WebhookResponse(status: .ok, body: frame.reply ?? Data()), events: frame.events, rejection: nil)
        case .failure(let rejection):
            result = WebhookResult(response: rejection.response, events: [], rejection: rejection)
        }
        var problems = Self.goldenProblems(result, fixture, body: "reply")
        if case .success(let again) = decoder.handleFrame(fixture.body, now: now), again.events.map(\.id) != result.events.map(\.id) {
            problems.append("the same frame twice gave different event ids; a redelivery would not be recognised")
        }
        for event in result.events where !event.id.hasPrefix("\(adapter.botID):") {
            problems.append("event id \(event.id) is not prefixed with the bot id")
        }
        return FixtureOutcome(fixture: fixture, result: result, problems: problems)
    }

    /// Differences from `response.json` (status, and body when given — named `body` for HTTP,
    /// `reply` for a frame) and `events.json`.
    private static func goldenProblems(_ result: WebhookResult, _ fixture: FixtureCase, body label: String) -> [String] {
        var problems: [String] = []
        if let expected = fixture.expectedResponse {
            if Int(result.response.status.code) != expected.status {
                problems.append("status \(result.response.status.code), expected \(expected.status)\(result.rejection.map { " (\($0.reason))" } ?? "")")
            }
            if let body = expected.body, body != result.summary.body {
                problems.append("\(label) \(result.summary.body.debugDescription), expected \(body.debugDescription)")
            }
            if let hex = expected.bodyHex, hex != Hex.encode(result.response.body) {
                problems.append("\(label) bytes \(Hex.encode(result.response.body)), expected \(hex)")
            }
        }
        let expectedEvents = fixture.expectedEvents ?? []
        if result.events != expectedEvents {
            problems.append("events differ from events.json:\n  got      \(json(result.events))\n  expected \(json(expectedEvents))")
        }
        return problems
    }

    /// Runs every case of every platform the registry can build; the folders of other platforms
    /// (`Fixtures/<platform>/`, named by the `platform:` their bots use) are left to the runner
    /// that registers their adapter.
    public func runAll() async throws -> [FixtureOutcome] {
        var outcomes: [FixtureOutcome] = []
        for platform in try loader.platforms() where registry.factory(for: platform) != nil {
            outcomes += try await run(platform: platform)
        }
        return outcomes
    }

    /// Runs every case of one platform folder.
    public func run(platform: String) async throws -> [FixtureOutcome] {
        var outcomes: [FixtureOutcome] = []
        for fixture in try loader.cases(platform: platform) {
            outcomes.append(try await run(fixture))
        }
        return outcomes
    }

    private func conformance(
        adapter: any ChatAdapter, keys: FixtureKeys, request: WebhookRequest, signed: Bool, context: WebhookContext, result: WebhookResult
    ) async throws -> [String] {
        var problems: [String] = []
        let again = await adapter.handle(request, context: context)
        if again.events.map(\.id) != result.events.map(\.id) || again.response != result.response {
            problems.append("the same request twice gave different results; a redelivery would not be recognised")
        }
        for event in result.events {
            let decoded = try EventJSON.decode(ChatEvent.self, from: try EventJSON.encode(event))
            if decoded != event { problems.append("event \(event.id) changes in an Event JSON round trip") }
            if event.bot != adapter.botID { problems.append("event \(event.id) names bot \(event.bot), not \(adapter.botID)") }
            if !event.id.hasPrefix("\(adapter.botID):") { problems.append("event id \(event.id) is not prefixed with the bot id") }
        }
        if let part = keys.signedPart(bot: adapter.botID), signed, result.rejection == nil {
            for tampered in Tamper.changingOneByte(of: part, in: request) {
                let refused = await adapter.handle(tampered.request, context: context)
                if ![401, 403].contains(refused.response.status.code) || !refused.events.isEmpty {
                    problems.append(
                        "a request with one changed byte \(tampered.where) was answered \(refused.response.status.code); what the signature covers must be refused with 401/403 before parsing"
                    )
                }
            }
        }
        return problems
    }

    /// The request as the server would hand it to the adapter.
    public static func webhookRequest(_ fixture: FixtureRequest, body: Data) throws -> WebhookRequest {
        guard let method = HTTPRequest.Method(fixture.method.uppercased()) else { throw FixtureError("bad method \(fixture.method)") }
        var headers = HTTPFields()
        for (name, value) in fixture.headers.sorted(by: { $0.key < $1.key }) {
            guard let fieldName = HTTPField.Name(name) else { throw FixtureError("bad header name \(name)") }
            headers.append(HTTPField(name: fieldName, value: value))
        }
        return WebhookRequest(method: method, url: fixture.url, headers: headers, body: body)
    }

    private static func json(_ events: [ChatEvent]) -> String {
        (try? EventJSON.encode(events)).map { String(decoding: $0, as: UTF8.self) } ?? "\(events)"
    }
}

/// The result of one case: what the adapter did and what was wrong with it.
public struct FixtureOutcome: Sendable, CustomStringConvertible {
    public var fixture: FixtureCase
    public var result: WebhookResult
    /// Empty when the case passed.
    public var problems: [String]

    public var passed: Bool { problems.isEmpty }

    public var description: String {
        passed ? "\(fixture): ok" : "\(fixture):\n- " + problems.joined(separator: "\n- ")
    }
}
