import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a Markdown message to a configured notification target, from a shell (cron jobs, CI).",
        discussion: """
            The target is one of the configuration's targets: (a WeCom group robot, a Feishu custom bot, \
            a DingTalk custom robot, or an app bot with a chat or user). The message is rendered and \
            split for the platform exactly as POST /notify does. Prints {"target", "ok", "message_ids", \
            "error"}; exits non-zero with the platform's error when it refuses.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "The target's name, as under targets: in the configuration.")
    var target: String

    @Option(name: .long, help: "The message, as Markdown.")
    var markdown: String?

    @Option(name: .long, help: "A file holding the Markdown message, or - for standard input.")
    var file: String?

    @Option(name: .long, help: "Whom to @: a user id, a mobile number, or all. Repeat for more.")
    var mention: [String] = []

    func validate() throws {
        guard (markdown == nil) != (file == nil) else { throw ValidationError("give the message as --markdown TEXT or --file FILE") }
    }

    func run() async throws {
        let logger = try options.bootstrapLogging()
        let transport = AsyncHTTPClientTransport()
        let setup = try withConfigErrorsReported { try options.setup(transport: transport, logger: logger) }
        guard setup.configuration.targets.contains(where: { $0.name == target }) else {
            let names = setup.configuration.targets.map(\.name)
            throw ValidationError("no target \(target) in the configuration; targets: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
        }
        let text: String
        if let markdown {
            text = markdown
        } else {
            text = String(decoding: try RenderCommand.read(file ?? "-", what: "--file"), as: UTF8.self)
        }
        guard !text.trimmingWhitespace().isEmpty else { throw ValidationError("the message is empty") }
        let result = await setup.notifier(transport: transport, logger: logger).send(text, mentions: mention, to: target)
        FileHandle.standardOutput.write(try EventJSON.encode(result, pretty: true) + Data("\n".utf8))
        guard result.ok else {
            printError("error: \(result.error ?? "not sent")")
            throw ExitCode.failure
        }
    }
}
