import Foundation
import Logging

/// Whether a routed message goes to the backend, and with what text: `debounce` joins a burst
/// into one query (answered by its first message's job; the others end quietly), and
/// `rate_limit` (global, then the route's) keeps a person or a chat under its allowance, telling
/// them once per window. Both keep their state in the store, so replicas agree.
extension Engine {
    enum Admission: Equatable {
        /// Ask the backend this.
        case ask(String)
        /// Tell the user this instead.
        case tell(String)
        /// Nothing to send.
        case silent
    }

    /// Said, on platforms whose ack promised an answer (the WeCom AI bot's stream), for a message
    /// whose text was answered with the one before it.
    public static let absorbedNotice = "↑ 已与上一条消息一并回答。/ Answered together with your previous message."

    /// The reply-state key that keeps a rate-limit decision, so a retried job decides the same.
    static let limitDecisionKey = "engine.limit"

    func admission(for match: RouteMatch, lease: JobLease, adapter: any ChatAdapter, logger: Logger) async throws -> Admission {
        let event = lease.job.event
        // The ack of a `frames` platform promised an answer: it gets a word, never silence.
        let promised = adapter.capabilities.streaming == .frames
        var query = match.query
        if let quiet = match.features.debounce {
            guard let burst = try await burstQuery(Self.burstKey(match, event), item: lease.job.id, quiet: quiet, own: match.query) else {
                logger.info("answered with an earlier message of its burst")
                return promised ? .tell(Self.absorbedNotice) : .silent
            }
            query = burst
        }
        // No limit configured: no store call at all.
        guard match.features.rateLimit != nil || router.policy.rateLimit != nil else { return .ask(query) }
        let replyState = ReplyStateHandle(store: store, jobID: lease.job.id, unsaved: unsavedReplyStates)
        let decision: LimitDecision
        if let decided = try await replyState.load(LimitDecision.self, Self.limitDecisionKey) {
            decision = decided
        } else {
            decision = try await limitDecision(match, event: event)
            try await replyState.save(Self.limitDecisionKey, decision)
            if decision.over {
                logger.info(decision.tell ? "over the rate limit; the user is told once in this window" : "over the rate limit; the user was told already in this window")
            }
        }
        guard decision.over else { return .ask(query) }
        return decision.tell || promised ? .tell(decision.notice) : .silent
    }

    /// What the rate limits said for one job (kept in its reply state).
    struct LimitDecision: Codable, Equatable {
        var over = false
        /// Over, and the first time in the window: the user is told.
        var tell = false
        var notice = ""
    }

    /// Waits until the burst is quiet, then claims it: the joined texts, or nil when an earlier
    /// message's job took this one's text.
    private func burstQuery(_ key: String, item: String, quiet: Duration, own: String) async throws -> String? {
        while true {
            let now = clock()
            switch try await store.claimBurst(key, item: item, quiet: quiet, now: now) {
            case .wait(let until):
                let wait = min(max(until.timeIntervalSince(now), 0.01), Double(quiet.components.seconds) + 1)
                try await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
            case .answer(let texts):
                return texts.joined(separator: "\n")
            case .absorbed:
                return nil
            case .unknown:
                return own
            }
        }
    }

    /// `ask`, `notice` (over a limit, first time in its window) or `silent`. A message is counted
    /// against every allowance (the route's and the global one, per person and per chat) or, when
    /// one is used up, against none.
    private func limitDecision(_ match: RouteMatch, event: ChatEvent) async throws -> LimitDecision {
        let limits = [("route:\(match.rule)", match.features.rateLimit), ("global", router.policy.rateLimit)]
        let person = event.principal.map { "principal:\($0)" } ?? "\(event.platform):\(event.bot):\(event.sender.id)"
        let chat = "\(event.platform):\(event.bot):\(event.conversation.id)"
        let now = clock()
        var counted: [(counter: HitCounter, limit: RateLimit, window: Duration)] = []
        for case let (label, limit?) in limits {
            for (allowance, key) in [(limit.perUser, "rate|\(label)|user|\(person)"), (limit.perChat, "rate|\(label)|chat|\(chat)")] {
                guard let allowance else { continue }
                let counter = HitCounter(key: key, limit: allowance.count, since: limit.windowStart(allowance, now: now))
                counted.append((counter, limit, allowance.window))
            }
        }
        guard !counted.isEmpty, let full = try await store.countHit(event.id, in: counted.map(\.counter), now: now) else { return LimitDecision() }
        let (counter, limit, window) = counted[full]
        // One notice per window: a fixed window is named by its start; a sliding one lasts the
        // window from the notice.
        let name = limit.window == .fixed ? "|\(counter.since.unixMilliseconds)" : ""
        let told = try await store.claim("mark:notice|\(counter.key)\(name)", ttl: window, now: now)
        return LimitDecision(over: true, tell: told, notice: limit.notice)
    }
}
