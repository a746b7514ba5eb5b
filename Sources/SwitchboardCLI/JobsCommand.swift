import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, show, retry or discard jobs — through the running server's admin API, else on the state store directly.",
        subcommands: [List.self, Show.self, Retry.self, Discard.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recent jobs, newest first, as JSON.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var admin: AdminOptions
        @Option(help: "pending, leased, done, failed or discarded.") var status: String?
        @Option(help: "Only this bot's jobs.") var bot: String?
        @Option(help: "How many (at most 500).") var limit: Int = 50

        func run() async throws {
            var path = "/admin/api/jobs?limit=\(limit)"
            if let status { path += "&status=\(PercentEncoding.queryValue(status))" }
            if let bot { path += "&bot=\(PercentEncoding.queryValue(bot))" }
            try await AdminCommand.run(options, admin, .get(path)) { try await $0.listJobs(status: status, bot: bot, limit: limit) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One job: its event, route, attempts and errors, as JSON.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The job id (the event id, e.g. feishu-main:om_…).") var id: String

        func run() async throws {
            try await AdminCommand.run(options, admin, .get("/admin/api/jobs/\(PercentEncoding.queryValue(id))")) { try await $0.showJob(id: id) }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a failed job again, attempts reset. Parts already sent are not sent again (same idempotency key)."
        )
        @OptionGroup var options: ConfigOptions
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            try await AdminCommand.run(options, admin, .post("/admin/api/jobs/\(PercentEncoding.queryValue(id))/retry", nil)) { try await $0.retryJob(id: id) }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a failed job aside.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            try await AdminCommand.run(options, admin, .post("/admin/api/jobs/\(PercentEncoding.queryValue(id))/discard", nil)) { try await $0.discardJob(id: id) }
        }
    }
}

struct ConversationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversations",
        abstract: "Reset a backend conversation by its scope key — through the admin API, else on the state store directly.",
        subcommands: [Reset.self]
    )

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a scope's backend conversation: its next message starts a new one.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The scope key, as on a job's page (backend|bot|user:…|chat:…).") var key: String

        func run() async throws {
            try await AdminCommand.run(options, admin, .post("/admin/api/conversations/reset", ["key": key])) { try await $0.resetConversation(key: key) }
        }
    }
}

enum AdminCommand {
    static func run(
        _ options: ConfigOptions, _ admin: AdminOptions, _ call: AdminCommandClient.Call, direct: (AdminOperations) async throws -> Data
    ) async throws {
        let logger = try options.bootstrapLogging()
        let transport = AsyncHTTPClientTransport()
        let setup = try withConfigErrorsReported { try options.setup(transport: transport, logger: logger) }
        do {
            try await AdminCommandClient(setup: setup, transport: transport, adminURL: try admin.url()).run(call, direct: direct)
        } catch ExitCodeError.failure {
            throw ExitCode.failure
        }
    }
}

struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the running server re-read its configuration (through the admin API; without admin:, send it SIGHUP).",
        discussion: """
            Bots, routes, backends and targets are swapped for new work; jobs in flight finish with what \
            they started with; a bot whose settings changed has its long connection restarted. An invalid \
            file is refused with the line `check` prints, and the running configuration stays.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var admin: AdminOptions

    func run() async throws {
        let logger = try options.bootstrapLogging()
        let transport = AsyncHTTPClientTransport()
        let setup = try withConfigErrorsReported { try options.setup(transport: transport, logger: logger) }
        guard setup.configuration.admin != nil else {
            printError("error: the configuration has no admin: listener to ask; send the server SIGHUP instead (kill -HUP <pid>)")
            throw ExitCode.failure
        }
        do {
            try await AdminCommandClient(setup: setup, transport: transport, adminURL: try admin.url()).run(.post("/admin/api/reload", nil), apiOnly: true) { _ in Data() }
        } catch ExitCodeError.failure {
            throw ExitCode.failure
        }
    }
}

/// `--admin-url`: where the running server's admin API is, when not at the configuration's
/// `admin.host` and `admin.port` — a `kubectl port-forward`, a proxy, a port the system picked.
struct AdminOptions: ParsableArguments {
    @Option(
        name: .customLong("admin-url"),
        help: "The admin API's address when not at admin.host:admin.port (a port-forward, a proxy), e.g. http://127.0.0.1:18080. Default: $SWITCHBOARD_ADMIN_URL."
    )
    var adminURL: String?

    func validate() throws {
        _ = try url()
    }

    func url() throws -> URL? {
        guard let text = adminURL ?? ProcessInfo.processInfo.environment["SWITCHBOARD_ADMIN_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
            throw ValidationError("--admin-url must be an http:// or https:// URL such as http://127.0.0.1:18080")
        }
        return url
    }
}
