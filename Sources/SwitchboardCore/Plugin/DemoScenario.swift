public import Foundation

/// A short scripted conversation that `switchboard demo` plays against the real server: one bot
/// of the plugin's platform (fake keys, its API pointed at a local sink), and the requests the
/// platform would send it — signed and encrypted as the platform does. The demo prints what each
/// request decodes to, the route it takes and what the bot sends back.
public struct DemoScenario: Sendable {
    /// One line, e.g. "Telegram: a group message that @-mentions the bot".
    public var title: String
    public var botID: String
    /// The bot's settings (`bots.<botID>`) as a YAML flow mapping, its API base pointed at the sink:
    /// `{platform: telegram, bot_token: "…", api_base: "<sink>"}`.
    public var bot: @Sendable (_ sinkURL: String) -> String
    /// How the sink answers the calls this bot makes; the first match wins, and a call nothing
    /// matches is answered `{"errcode":0,"errmsg":"ok"}`.
    public var sinkAnswers: [DemoSinkAnswer]
    /// Strings the demo never prints, even fake ones (a token that sits in the API's URL path):
    /// they are shown as `•••`.
    public var secrets: [String]
    /// Plays the scenario on `stage`.
    public var play: @Sendable (_ stage: any DemoStage) async throws -> Void

    public init(
        title: String, botID: String, bot: @escaping @Sendable (_ sinkURL: String) -> String, sinkAnswers: [DemoSinkAnswer] = [],
        secrets: [String] = [], play: @escaping @Sendable (_ stage: any DemoStage) async throws -> Void
    ) {
        self.title = title
        self.botID = botID
        self.bot = bot
        self.sinkAnswers = sinkAnswers
        self.secrets = secrets
        self.play = play
    }
}

/// The sink's answer to a platform API call: a method and a path prefix, and the JSON body.
public struct DemoSinkAnswer: Sendable {
    public var method: String
    public var pathPrefix: String
    /// The body, given the sink's base URL (an endpoint-discovery answer points at the sink's
    /// own WebSocket).
    public var json: @Sendable (_ sinkURL: String) -> String

    public init(_ method: String, _ pathPrefix: String, json: String) {
        self.init(method, pathPrefix) { _ in json }
    }

    public init(_ method: String, _ pathPrefix: String, json: @escaping @Sendable (_ sinkURL: String) -> String) {
        self.method = method
        self.pathPrefix = pathPrefix
        self.json = json
    }

    public func matches(method: String, path: String) -> Bool {
        self.method == method && path.hasPrefix(pathPrefix)
    }
}

/// What a ``DemoScenario`` plays on: the running server, the sink standing in for the platform's
/// API, and the terminal.
public protocol DemoStage: Sendable {
    /// The sink's base URL (`http://127.0.0.1:<port>`).
    var sinkURL: String { get }
    /// How many calls the sink has received so far.
    var sinkCallCount: Int { get }
    /// Prints `request` and what the bot's adapter decodes from it (events and routes), posts it
    /// to the server and prints the ack; unless `quiet`, then waits for the bot's calls to the
    /// sink to settle and prints them.
    @discardableResult
    func show(_ request: WebhookRequest, bot: String, quiet: Bool) async throws -> (status: Int, body: Data)
    /// Posts `request` to the server without printing anything.
    func post(_ request: WebhookRequest) async throws -> (status: Int, body: Data)
    /// Prints a line.
    func say(_ line: String)
    /// Waits for the bot to open a WebSocket to the sink at a path that starts with `pathPrefix`
    /// (the sink then plays the platform's long-connection server) and returns it.
    func acceptSocket(pathPrefix: String, timeout: Duration) async throws -> any DemoSocket
    /// Prints what the bot's adapter decodes from a long-connection frame (its
    /// ``StreamFrameDecoding``): the events and the routes they take.
    func showFrame(_ frame: Data, bot: String)
    /// Waits for the bot's calls to the sink after the first `count` to settle, and prints them.
    func showSinkCalls(after count: Int) async throws
}

/// A WebSocket a bot opened to the demo's sink, seen from the platform's side.
public protocol DemoSocket: Sendable {
    /// The path and query the bot connected to.
    var path: String { get }
    func send(_ message: DemoSocketMessage) async throws
    /// The bot's next message; nil once the socket is closed. Throws when none comes in `timeout`.
    func receive(timeout: Duration) async throws -> DemoSocketMessage?
}

public enum DemoSocketMessage: Sendable, Equatable {
    case text(String)
    case binary(Data)
}

extension DemoStage {
    @discardableResult
    public func show(_ request: WebhookRequest, bot: String) async throws -> (status: Int, body: Data) {
        try await show(request, bot: bot, quiet: false)
    }

    /// Posts `request` again (a platform's redelivery) and says whether the bot called the
    /// platform again: it must not.
    public func redeliver(_ request: WebhookRequest, key: String) async throws {
        let before = sinkCallCount
        let again = try await post(request)
        try await Task.sleep(for: .seconds(1))
        say("  ack: \(again.status) \(again.body.isEmpty ? "(empty body)" : String(decoding: again.body, as: UTF8.self))")
        say(sinkCallCount == before ? "  deduplicated by \(key): acknowledged, nothing sent again" : "  unexpected: something was sent again")
    }
}

extension DemoScenario {
    /// Now, in Unix seconds, as platforms put it in their requests.
    public static var nowSeconds: String { String(Int(Date().timeIntervalSince1970)) }

    /// Random bytes for a nonce or an IV.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255) }
    }
}
