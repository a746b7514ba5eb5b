import Foundation
import SwitchboardCore

/// One Dify backend, read from `backends.<name>` (see the README for every key).
struct DifyConfiguration: Sendable {
    enum App: String, Sendable, CaseIterable {
        case chat, chatflow, agent, workflow, completion

        /// What Dify's `GET /info` calls this kind of app.
        var difyMode: String {
            switch self {
            case .chat: "chat"
            case .chatflow: "advanced-chat"
            case .agent: "agent-chat"
            case .workflow: "workflow"
            case .completion: "completion"
            }
        }

        var hasConversations: Bool { self == .chat || self == .chatflow || self == .agent }
    }

    struct Timeouts: Sendable {
        /// Until the response head arrives (connecting included).
        var connect: Duration = .seconds(10)
        /// From the head to the first byte of the body: a slow model's first token.
        var firstByte: Duration = .seconds(60)
        /// Between two reads of the body; Dify pings every 10 s, so a longer silence is a dead stream.
        var idle: Duration = .seconds(60)
        /// The whole exchange.
        var total: Duration = .seconds(300)
    }

    var name: String
    /// Ends in `/v1`.
    var baseURL: String
    var apiKey: String
    var app: App
    var streaming: Bool
    /// Input name ▸ template (`{{sender.name}}`).
    var inputs: [String: InputTemplate]
    /// Workflow and completion apps take the message in this input.
    var queryInput: String
    /// Workflow apps answer from this output; nil: the first string output.
    var outputKey: String?
    var showThinking: Bool
    var showAgentThoughts: Bool
    /// Start a new conversation when the stored one has not been used for this long.
    var idleReset: Duration?
    var fallbackText: String
    /// The query for a message that is only a picture, or only other files.
    var imageQuery: String
    var fileQuery: String
    /// Voice without the platform's transcript goes to `/audio-to-text` (the app's speech-to-text
    /// feature must be on); off, it is uploaded as an audio file like any other.
    var speechToText: Bool
    /// A workflow's file input (`file_input`): the user's files go into this input — one file
    /// object, or a list with `file_input_list` — instead of the top-level `files`.
    var fileInput: String?
    var fileInputList: Bool
    /// `remote_url`: a file fetched from a URL that needs no credentials is passed to Dify by that
    /// URL (Dify fetches it) instead of being uploaded.
    var remoteURL: Bool
    /// `quote_input`: the text the user replied to or quoted goes into this input; without it the
    /// quote is put before the query as a Markdown quote.
    var quoteInput: String?
    /// `quote_max_chars`: the most characters of a quote passed on (default 1000).
    var quoteMaxCharacters: Int
    var timeouts: Timeouts
    /// Further attempts after a 429, a 5xx, a network failure or a timeout before any text came.
    var retries: Int
    var retryInitialDelay: Duration

    static let defaultFallback = BackendDefaults.fallbackText

    init(name: String, config: ConfigSection) throws {
        self.name = name
        baseURL = BackendDefaults.apiBase(try config.url("base_url"))
        apiKey = try config.string("api_key")
        let appName = try config.string("app")
        guard let app = App(rawValue: appName) else {
            throw config.error("app", "must be one of \(App.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.app = app
        switch try config.string("response_mode", default: "streaming") {
        case "streaming": streaming = true
        case "blocking":
            guard app != .agent else { throw config.error("response_mode", "agent apps only stream; leave response_mode out") }
            streaming = false
        default: throw config.error("response_mode", "must be streaming or blocking")
        }
        var inputs: [String: InputTemplate] = [:]
        if let section = try config.section("inputs") {
            for key in section.node.mapKeys {
                let text = try section.string(key, default: "")
                do {
                    inputs[key] = try InputTemplate(text)
                } catch let error as InputTemplate.UnknownPlaceholder {
                    throw section.error(key, error.description)
                }
            }
        }
        self.inputs = inputs
        queryInput = try config.string("query_input", default: "query")
        outputKey = try config.optionalString("output_key")
        showThinking = try config.bool("show_thinking", default: false)
        showAgentThoughts = try config.bool("show_agent_thoughts", default: false)
        idleReset = try config.contains("idle_reset") ? config.duration("idle_reset", default: .zero) : nil
        if let idleReset, idleReset <= .zero { throw config.error("idle_reset", "must be more than 0; leave it out to keep conversations") }
        fallbackText = try config.string("fallback_text", default: Self.defaultFallback)
        imageQuery = try config.string("image_query", default: "请描述这张图片。")
        fileQuery = try config.string("file_query", default: "请阅读这个文件并总结要点。")
        speechToText = try config.bool("speech_to_text", default: false)
        fileInput = try config.optionalString("file_input")
        fileInputList = try config.bool("file_input_list", default: false)
        if fileInput != nil, app != .workflow {
            throw config.error("file_input", "is for workflow apps; a \(app.rawValue) app takes files with the message (leave file_input out)")
        }
        if fileInput == nil, config.contains("file_input_list") {
            throw config.error("file_input_list", "needs file_input, the name of the workflow's file input")
        }
        remoteURL = try config.bool("remote_url", default: false)
        quoteInput = try config.optionalString("quote_input")
        quoteMaxCharacters = try config.int("quote_max_chars", default: 1000, range: 0...BackendRequest.quoteLimit)
        var timeouts = Timeouts()
        if let section = try config.section("timeouts") {
            timeouts.connect = try section.duration("connect", default: timeouts.connect)
            timeouts.firstByte = try section.duration("first_byte", default: timeouts.firstByte)
            timeouts.idle = try section.duration("idle", default: timeouts.idle)
            timeouts.total = try section.duration("total", default: timeouts.total)
            for (key, value) in [("connect", timeouts.connect), ("first_byte", timeouts.firstByte), ("idle", timeouts.idle), ("total", timeouts.total)]
            where value <= .zero {
                throw section.error(key, "must be more than 0")
            }
            try section.rejectUnknownKeys()
        }
        self.timeouts = timeouts
        retries = try config.int("retries", default: 2, range: 0...10)
        retryInitialDelay = try config.duration("retry_initial_delay", default: .seconds(1))
    }

}

extension ConfigNode {
    /// The keys of a mapping, in file order.
    var mapKeys: [String] {
        if case .map(let entries) = value { return entries.map(\.key) }
        return []
    }
}

/// A Dify input filled from the event: `{{platform}}`, `{{bot}}`, `{{chat.id}}`, `{{chat.type}}`,
/// `{{chat.title}}`, `{{sender.id}}`, `{{sender.name}}`.
struct InputTemplate: Sendable {
    static let placeholders = ["platform", "bot", "chat.id", "chat.type", "chat.title", "sender.id", "sender.name"]

    struct UnknownPlaceholder: Error, CustomStringConvertible {
        var name: String
        var description: String { "unknown placeholder {{\(name)}}; use \(InputTemplate.placeholders.map { "{{\($0)}}" }.joined(separator: ", "))" }
    }

    private enum Piece: Sendable {
        case text(String)
        case value(String)
    }

    private let pieces: [Piece]

    init(_ template: String) throws {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            pieces.append(.text(String(rest[..<open.lowerBound])))
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                pieces.append(.text(String(rest[open.lowerBound...])))
                rest = ""
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard Self.placeholders.contains(name) else { throw UnknownPlaceholder(name: name) }
            pieces.append(.value(name))
            rest = rest[close.upperBound...]
        }
        pieces.append(.text(String(rest)))
        self.pieces = pieces
    }

    func fill(from event: ChatEvent) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): text
            case .value("platform"): event.platform
            case .value("bot"): event.bot
            case .value("chat.id"): event.conversation.id
            case .value("chat.type"): event.conversation.type.rawValue
            case .value("chat.title"): event.conversation.title ?? ""
            case .value("sender.id"): event.sender.id
            case .value("sender.name"): event.sender.name ?? ""
            case .value: ""
            }
        }.joined()
    }
}
