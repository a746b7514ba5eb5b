import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardTelemetry

/// What the console and `/admin/api` do, on the contracts the engine uses: the store for jobs and
/// conversations, the routing table for "try a message", the backends' own checks. Nothing here
/// talks to a platform.
final class AdminService: Sendable {
    let store: any StateStore
    let live: LiveSetup
    /// `http://host:port` of the main listener (its port is known once it listens).
    let mainBaseURL: @Sendable () -> String
    let clock: @Sendable () -> Date
    private let checks = Mutex<[String: AdminViews.Backend]>([:])

    init(store: any StateStore, live: LiveSetup, mainBaseURL: @escaping @Sendable () -> String, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.live = live
        self.mainBaseURL = mainBaseURL
        self.clock = clock
    }

    // MARK: Overview

    func overview() async -> AdminViews.Overview {
        let setup = live.current
        let bots = setup.botIDs.compactMap { id -> AdminViews.Bot? in
            guard let adapter = setup.adapters[id] else { return nil }
            return AdminViews.Bot(
                id: id, platform: adapter.platform, mode: setup.configuration.mode(ofBot: id), webhookURL: "\(mainBaseURL())/webhooks/\(id)", status: BotStatusBoard.shared.status(of: id)
            )
        }
        let known = checks.withLock { $0 }
        let backends = setup.backends.keys.sorted().map { name in
            known[name] ?? AdminViews.Backend(name: name, check: BackendCheck.Status.notChecked.rawValue)
        }
        let stats = (try? await store.queueStats()) ?? QueueStats()
        let age = stats.oldestPendingSince.map { max(0, clock().timeIntervalSince($0)) } ?? 0
        return AdminViews.Overview(
            bots: bots, backends: backends, queue: AdminViews.Queue(pending: stats.pending, leased: stats.leased, oldestPendingSeconds: age),
            lastHour: RecentActivity.shared.lastHour(), configFile: setup.configuration.file, reloadedAt: live.reloadedAt
        )
    }

    /// `check --online` for every backend, kept for the overview.
    func checkBackends() async -> [AdminViews.Backend] {
        let backends = live.current.backends
        var results: [AdminViews.Backend] = []
        for name in backends.keys.sorted() {
            let check = await backends[name]!.checkOnline()
            results.append(AdminViews.Backend(name: name, check: check.status.rawValue, detail: check.detail, checkedAt: clock()))
        }
        checks.withLock { checks in
            checks = [:]
            for result in results { checks[result.name] = result }
        }
        return results
    }

    // MARK: Routes

    func routes() -> AdminViews.Routes {
        let setup = live.current
        return AdminViews.Routes(
            rules: setup.routing.rules.map { rule in
                AdminViews.Rule(name: rule.name, description: rule.description, backend: rule.backend, scope: rule.scope.rawValue)
            },
            warnings: setup.warnings,
            commands: Dictionary(uniqueKeysWithValues: setup.routing.commands.words.map { ($0.key.rawValue, $0.value) })
        )
    }

    /// Which rule fires for a message like this, its backend and scope key — pure routing.
    func tryMessage(_ message: AdminViews.TryMessage) throws -> AdminViews.TryResult {
        guard let type = ConversationType(rawValue: message.chat) else { throw AdminError.badRequest("chat must be direct or group") }
        let setup = live.current
        let platform = setup.adapters[message.bot]?.platform ?? message.platform
        let event = ChatEvent(
            id: "\(message.bot):try", platform: platform, bot: message.bot,
            conversation: Conversation(id: type == .direct ? "try-user" : "try-chat", type: type),
            sender: Participant(id: "try-user"), text: message.text, mentionsBot: message.mentionsBot, timestamp: clock()
        )
        return Self.describe(setup.routing.route(event), for: event)
    }

    static func describe(_ decision: RouteDecision, for event: ChatEvent) -> AdminViews.TryResult {
        switch decision {
        case .ignore:
            return AdminViews.TryResult(decision: "ignore")
        case .reply(let match):
            return AdminViews.TryResult(
                decision: "reply", rule: match.rule, backend: match.backend, scopeKey: match.scope.key(for: event, backend: match.backend), query: match.query
            )
        case .command(let command, let targets):
            let first = targets.first
            return AdminViews.TryResult(
                decision: "command", rule: first?.rule, backend: first?.backend,
                scopeKey: first.map { $0.scope.key(for: event, backend: $0.backend) }, command: command.rawValue
            )
        }
    }

    // MARK: Jobs

    func jobs(status: String?, bot: String?, since: Date?, limit: Int) async throws -> [AdminViews.JobSummary] {
        var query = JobQuery(bot: bot?.isEmpty == false ? bot : nil, since: since, limit: min(max(limit, 1), 500))
        if let status, !status.isEmpty {
            guard let parsed = JobStatus(rawValue: status) else {
                throw AdminError.badRequest("status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = parsed
        }
        return try await store.jobs(query).map(Self.summary)
    }

    func job(id: String) async throws -> AdminViews.JobDetail {
        guard let record = try await store.job(id: id) else { throw AdminError.notFound("no job \(id)") }
        let event = record.job.event
        let json = (try? JSONParser.parse(try EventJSON.encode(event))) ?? .null
        let replyState = try await store.replyStates(job: id).mapValues { String(decoding: $0, as: UTF8.self) }
        return AdminViews.JobDetail(
            summary: Self.summary(record), orderingKey: record.job.orderingKey, event: json,
            route: Self.describe(live.current.routing.route(event), for: event), history: record.history,
            notBefore: record.notBefore, leaseOwner: record.leaseOwner, leaseExpires: record.leaseExpires,
            traceID: Self.traceID(record.job.traceContext), replyState: replyState
        )
    }

    func retry(id: String) async throws -> AdminViews.Action {
        try Self.action(try await store.retryJob(id: id, now: clock()), id: id, done: "job \(id) is pending again; it runs within a poll interval")
    }

    func discard(id: String) async throws -> AdminViews.Action {
        try Self.action(try await store.discardJob(id: id, now: clock()), id: id, done: "job \(id) was discarded")
    }

    private static func action(_ result: JobActionResult, id: String, done: String) throws -> AdminViews.Action {
        switch result {
        case .done: return AdminViews.Action(ok: true, message: done)
        case .notFound: throw AdminError.notFound("no job \(id)")
        case .notAllowed(let status): throw AdminError.conflict("job \(id) is \(status.rawValue); only failed jobs can be retried or discarded")
        }
    }

    static func summary(_ record: JobRecord) -> AdminViews.JobSummary {
        AdminViews.JobSummary(
            id: record.job.id, bot: record.job.event.bot, platform: record.job.event.platform, status: record.status.rawValue,
            attempts: record.attempts, enqueuedAt: record.enqueuedAt, finishedAt: record.finishedAt, lastError: record.lastError,
            text: String(record.job.event.text.prefix(120))
        )
    }

    /// The trace id in a kept W3C `traceparent` (`00-<trace id>-<span id>-<flags>`).
    static func traceID(_ context: String?) -> String? {
        guard let context, let line = context.split(separator: "\n").first(where: { $0.hasPrefix("traceparent:") }) else { return nil }
        let parts = line.dropFirst("traceparent:".count).trimmingCharacters(in: .whitespaces).split(separator: "-")
        return parts.count == 4 ? String(parts[1]) : nil
    }

    // MARK: Conversations

    func conversation(key: String) async throws -> AdminViews.Conversation {
        guard !key.isEmpty else { throw AdminError.badRequest("give a scope key, such as helpdesk|bot|user:u-1|chat:c-1") }
        let entry = try await store.conversation(key)
        return AdminViews.Conversation(key: key, conversationID: entry.stored?.id, lastUsed: entry.stored?.lastUsed, generation: entry.generation)
    }

    /// As `/reset` does for its own scope: the conversation is forgotten and its generation
    /// advanced, so an answer being written cannot bring it back; the backend is told.
    func resetConversation(key: String) async throws -> AdminViews.Action {
        guard !key.isEmpty else { throw AdminError.badRequest("give a scope key") }
        let forgotten = try await store.resetConversation(key, now: clock())
        let backend = key.split(separator: "|", maxSplits: 1).first.map(String.init)
        if let backend, let handle = live.current.backends[backend] {
            await handle.conversationReset(ConversationReset(user: "", conversationID: forgotten?.id, scope: key))
        }
        return AdminViews.Action(
            ok: true, message: forgotten == nil ? "\(key) had no conversation; its next message starts one" : "\(key) starts a new conversation with its next message"
        )
    }
}

/// An admin request that cannot be done, with the status it answers.
enum AdminError: Error, CustomStringConvertible {
    case badRequest(String)
    case notFound(String)
    case conflict(String)

    var description: String {
        switch self {
        case .badRequest(let message), .notFound(let message), .conflict(let message): message
        }
    }

    var status: Int {
        switch self {
        case .badRequest: 400
        case .notFound: 404
        case .conflict: 409
        }
    }
}
