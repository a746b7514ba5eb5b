import ArgumentParser
import Foundation
import SwitchboardCore

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print what would be sent for a Markdown answer: the dialect text of each message, split to the platform's limit.",
        discussion: """
            Prints {"target", "dialect", "max_bytes", "rule", "parts": [{"text", "bytes"}]} as JSON. Platforms and \
            modes: wecom (text, markdown, markdown_v2, stream; app, aibot, robot print request bodies), feishu (card, post, text, webhook print request bodies), dingtalk (markdown), generic, \
            and a plugin's platform with the targets its plugin declares. \
            With a delivery mode (wecom: app, aibot, robot) it prints the exact payloads instead: \
            {"platform", "mode", "payloads": [{"to", "body"}]}.
            """
    )

    @Option(name: .long, help: "wecom, feishu, dingtalk, generic, or a plugin's platform.")
    var platform: String

    @Option(name: .long, help: "The message kind; default: wecom markdown, feishu card, dingtalk markdown.")
    var mode: String?

    @Option(name: .long, help: "A file with the Markdown answer, or - for standard input.")
    var markdown: String

    @Option(name: .long, help: "A JSON file with the answer's sources: [{\"title\", \"url\"?, \"snippet\"?, \"score\"?}].")
    var citations: String?

    @Option(name: .long, help: "Suggested follow-up questions for the footer (repeat for more).")
    var suggestion: [String] = []

    @Flag(name: .long, help: "Show <think> reasoning instead of dropping it.")
    var showThinking = false

    static let defaultModes = ["wecom": "markdown", "feishu": "card", "dingtalk": "markdown", "generic": ""]

    func run() async throws {
        let targets = SwitchboardCLI.plugins.renderTargets
        let platforms = Set(targets.map { String($0.name.prefix { $0 != "." }) })
        guard platforms.contains(platform) else {
            throw ValidationError("--platform must be one of \(platforms.sorted().joined(separator: ", "))")
        }
        // A plugin's platform: its first target is the default.
        let firstMode = targets.first { $0.name == platform || $0.name.hasPrefix(platform + ".") }.map { String($0.name.dropFirst(platform.count + 1)) }
        let mode = mode ?? Self.defaultModes[platform] ?? firstMode ?? ""
        let reply = try readReply()
        let options = RenderOptions(showThinking: showThinking)
        if let previewing = SwitchboardCLI.plugins.adapters.factory(for: platform) as? any OutboundPreviewing, previewing.previewModes.contains(mode) {
            let payloads = try previewing.previewOutbound(for: reply, mode: mode, options: options)
            let output = PayloadOutput(platform: platform, mode: mode, payloads: payloads)
            FileHandle.standardOutput.write(try EventJSON.encode(output, pretty: true) + Data("\n".utf8))
            return
        }
        let name = mode.isEmpty ? platform : "\(platform).\(mode)"
        guard let target = targets.first(where: { $0.name == name }) else {
            var modes = targets.map(\.name).filter { $0.hasPrefix(platform + ".") }.map { String($0.dropFirst(platform.count + 1)) }
            for extra in (SwitchboardCLI.plugins.adapters.factory(for: platform) as? any OutboundPreviewing)?.previewModes ?? [] where !modes.contains(extra) {
                modes.append(extra)
            }
            throw ValidationError("--mode for \(platform) must be one of \(modes.joined(separator: ", "))")
        }
        let parts = ReplyRenderer.render(reply, for: target, options: options)
        let output = Output(
            target: target.name, dialect: target.dialect.name, maxBytes: target.maxBytes, rule: target.rule,
            parts: parts.map { Output.Part(text: $0.text, bytes: $0.size) }
        )
        FileHandle.standardOutput.write(try EventJSON.encode(output, pretty: true) + Data("\n".utf8))
    }

    private func readReply() throws -> Reply {
        let text = try Self.read(markdown, what: "--markdown")
        var reply = Reply(markdown: String(decoding: text, as: UTF8.self), suggestions: suggestion)
        if let citations {
            do {
                reply.citations = try JSONDecoder().decode([Citation].self, from: try Self.read(citations, what: "--citations"))
            } catch let error as DecodingError {
                throw ValidationError("--citations must be a JSON array of {\"title\", \"url\"?, \"snippet\"?, \"score\"?}: \(error.localizedDescription)")
            }
        }
        return reply
    }

    static func read(_ path: String, what: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(what) file \(path)") }
        return data
    }

    /// A platform mode's payloads (`--mode app|aibot|robot` for WeCom).
    struct PayloadOutput: Encodable {
        var platform: String
        var mode: String
        var payloads: [OutboundPreview]
    }

    struct Output: Encodable {
        struct Part: Encodable {
            var text: String
            var bytes: Int
        }

        var target: String
        var dialect: String
        var maxBytes: Int
        var rule: String
        var parts: [Part]

        enum CodingKeys: String, CodingKey {
            case target, dialect
            case maxBytes = "max_bytes"
            case rule, parts
        }
    }
}
