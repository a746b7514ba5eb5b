import ArgumentParser
import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardServer

struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Run one raw webhook request through a bot's adapter exactly as the server would.",
        discussion: """
            Prints {"status": …, "body": …, "events": [Event JSON…]} on stdout. A rejected request prints \
            the reason on stderr and exits non-zero. Nothing is stored and nothing is sent. With \
            --stream-frame, a frame of the bot's long-lived connection (DingTalk Stream) is decoded \
            instead, printing {"events": […], "reply": the frame sent back, "reconnect": …}.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "The bot id, as in the configuration.")
    var bot: String

    @Option(name: .long, help: "The HTTP method. Default: POST with --body, GET without.")
    var method: String?

    @Option(name: .long, help: "The request path and query, e.g. '/webhooks/wecom-app?msg_signature=…&timestamp=…'.")
    var url: String?

    @Option(name: .long, help: "A file holding one frame of the bot's Stream connection, instead of an HTTP request.")
    var streamFrame: String?

    @Option(name: .long, help: "A request header, 'Name: value'. Repeat for more.")
    var header: [String] = []

    @Option(name: .long, help: "A file holding the exact request body.")
    var body: String?

    @Option(name: .long, help: "The time to check timestamps against, in Unix seconds. Default: now.")
    var now: Double?

    func run() async throws {
        let logger = try options.bootstrapLogging()
        let setup = try withConfigErrorsReported { try options.setup(transport: AsyncHTTPClientTransport(), logger: logger) }
        guard let adapter = setup.adapters[bot] else {
            throw ValidationError("no bot \(bot) in the configuration; bots: \(setup.botIDs.joined(separator: ", "))")
        }
        if let streamFrame {
            try decodeFrame(streamFrame, adapter: adapter)
            return
        }
        let request = try makeRequest()
        // The configured routes decide, as in the server, whether an ack may promise an answer.
        let context = WebhookContext(
            now: now.map(Date.init(timeIntervalSince1970:)) ?? Date(), logger: logger, willAnswer: { [routing = setup.routing] in routing.answers($0) }
        )
        let result = await adapter.handle(request, context: context)
        if let rejection = result.rejection {
            printError("rejected: \(rejection)")
            throw ExitCode.failure
        }
        let output = try EventJSON.encode(result.summary, pretty: true)
        FileHandle.standardOutput.write(output + Data("\n".utf8))
    }

    private func decodeFrame(_ path: String, adapter: any ChatAdapter) throws {
        guard let decoder = adapter as? any StreamFrameDecoding else {
            throw ValidationError("bot \(bot) (\(adapter.platform)) has no Stream connection; decode an HTTP request with --url")
        }
        guard let frame = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --stream-frame file \(path)") }
        switch decoder.handleFrame(frame, now: now.map(Date.init(timeIntervalSince1970:)) ?? Date()) {
        case .success(let result):
            FileHandle.standardOutput.write(try EventJSON.encode(StreamFrameSummary(result), pretty: true) + Data("\n".utf8))
        case .failure(let rejection):
            printError("rejected: \(rejection)")
            throw ExitCode.failure
        }
    }

    private func makeRequest() throws -> WebhookRequest {
        guard let url else { throw ValidationError("--url is required (or --stream-frame for a Stream frame)") }
        var fields = HTTPFields()
        for line in header {
            guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon]).trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--header must look like 'Name: value'")
            }
            fields.append(HTTPField(name: name, value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var data = Data()
        if let body {
            guard let contents = FileManager.default.contents(atPath: body) else { throw ValidationError("cannot read --body file \(body)") }
            data = contents
        }
        let methodName = (method ?? (body == nil ? "GET" : "POST")).uppercased()
        guard let method = HTTPRequest.Method(methodName) else { throw ValidationError("--method is not an HTTP method") }
        return WebhookRequest(method: method, url: url, headers: fields, body: data)
    }
}
