import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardFixtures

/// `switchboard fixture make` and `switchboard fixture check`: recorded traffic ▸ shareable fixture
/// cases, and fixture cases checked from the shell.
struct FixtureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixture",
        abstract: "Turn recorded requests into shareable fixture cases, and check fixture cases.",
        subcommands: [FixtureMakeCommand.self, FixtureCheckCommand.self]
    )
}

struct FixtureMakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make",
        abstract: "Make a fixture case from a recorded one (serve --record): open it with the bot's real keys, anonymize, seal it with the fixture keys.",
        discussion: """
            Ids, names, mobile numbers and e-mail addresses become consistent pseudonyms (the same --seed gives \
            the same case); the bot's configured values become the fixture bot's from Fixtures/<platform>/keys.json. \
            Text is kept unless --redact-text. Writes request.json, the body, events.json and response.json \
            (the golden results from the adapter itself) into --out.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "The bot the case was recorded for, as in the configuration.")
    var bot: String

    @Option(name: .long, help: "The recorded case's folder (it holds request.json).")
    var from: String

    @Option(name: .long, help: "Where to write the case: Fixtures/<platform>/<case>.")
    var out: String

    @Option(name: .long, help: "The bot of Fixtures/<platform>/keys.json to seal for. Default: the one of the same platform and mode.")
    var fixtureBot: String?

    @Option(name: .long, help: "The pseudonyms' key; the same seed gives the same case.")
    var seed = "switchboard-fixtures"

    @Flag(name: .long, help: "Replace message text too, not only ids, names, numbers and addresses.")
    var redactText = false

    @Option(name: .long, help: "The case's clock in Unix seconds. Default: when it was recorded.")
    var now: Double?

    func run() async throws {
        let logger = try options.bootstrapLogging()
        let setup = try withConfigErrorsReported { try options.setup(transport: AsyncHTTPClientTransport(), logger: logger) }
        guard let settings = setup.configuration.botSettings(bot) else {
            throw ValidationError("no bot \(bot) in the configuration; bots: \(setup.botIDs.joined(separator: ", "))")
        }
        let maker = FixtureMaker(registry: SwitchboardCLI.plugins.adapters)
        do {
            let made = try await maker.make(
                recorded: URL(fileURLWithPath: from), bot: bot, config: settings, out: URL(fileURLWithPath: out),
                options: FixtureMaker.Options(seed: seed, redactText: redactText, fixtureBot: fixtureBot, now: now)
            )
            printError("wrote \(out) for fixture bot \(made.fixtureBot): status \(made.status), \(made.events.count) event\(made.events.count == 1 ? "" : "s")")
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

struct FixtureCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run fixture cases through their adapters with the rules the tests use; one line per case, then N passed, M failed.",
        discussion: """
            Each DIR is a case folder, a platform folder (with keys.json) or a Fixtures folder. The rules: \
            the golden files are equal, the same request gives the same event ids, events survive an Event \
            JSON round trip, and one changed byte of what is signed is refused with 401/403. Default: ./Fixtures.
            """
    )

    @Argument(help: "Case, platform or Fixtures folders.")
    var directories: [String] = []

    func run() async throws {
        var passed = 0, failed = 0
        for directory in directories.isEmpty ? ["Fixtures"] : directories {
            let url = URL(fileURLWithPath: directory).standardizedFileURL
            do {
                for outcome in try await Self.outcomes(url) {
                    if outcome.passed {
                        passed += 1
                        print("ok    \(outcome.fixture)")
                    } else {
                        failed += 1
                        print("FAIL  \(outcome.fixture): " + outcome.problems.joined(separator: "; ").replacingOccurrences(of: "\n", with: " "))
                    }
                }
            } catch {
                failed += 1
                print("FAIL  \(directory): \(error)")
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 || passed == 0 { throw ExitCode.failure }
    }

    /// The outcomes of the cases a folder holds, whichever kind of folder it is.
    static func outcomes(_ url: URL) async throws -> [FixtureOutcome] {
        let exists = { (name: String) in FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) }
        let registry = SwitchboardCLI.plugins.adapters
        if exists("request.json") {
            let platform = url.deletingLastPathComponent()
            let runner = AdapterFixtureRunner(registry: registry, loader: FixtureLoader(root: platform.deletingLastPathComponent()))
            guard let fixture = try runner.loader.cases(platform: platform.lastPathComponent).first(where: { $0.name == url.lastPathComponent }) else {
                throw FixtureError("\(url.path) is not a case of \(platform.lastPathComponent)")
            }
            return [try await runner.run(fixture)]
        }
        if exists("keys.json") {
            let runner = AdapterFixtureRunner(registry: registry, loader: FixtureLoader(root: url.deletingLastPathComponent()))
            return try await runner.run(platform: url.lastPathComponent)
        }
        let runner = AdapterFixtureRunner(registry: registry, loader: FixtureLoader(root: url))
        let platforms = try runner.loader.platforms()
        guard !platforms.isEmpty else { throw FixtureError("\(url.path) holds no fixture cases (no request.json, keys.json or platform folders)") }
        return try await runner.runAll()
    }
}
