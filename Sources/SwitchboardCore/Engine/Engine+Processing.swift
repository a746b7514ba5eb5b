import Foundation
import Logging
import SwitchboardTelemetry
import Tracing

extension Engine {
    /// The reply-state key under which a finished backend answer is kept, so that a delivery
    /// retry replays it instead of asking the backend again.
    static let finishedReplyKey = "engine.reply"

    /// What a user is told when the backend failed for good.
    public static let failureNotice = "⚠️ 抱歉，这次没能回答，请稍后再试。/ Sorry, I could not answer this time. Please try again later."

    /// Works on one leased job to its end: completed, scheduled for retry, failed, or — when
    /// interrupted by shutdown — given back. The work runs beside the lease's renewal; when the
    /// lease is lost the work is cancelled before it sends anything more, so the worker that takes
    /// the job over is the only one that answers.
    ///
    /// The attempt is a `switchboard.job` span, a child of the webhook span that accepted the event
    /// (kept in the job, so a job run after a restart still joins its trace), and counted in the
    /// job metrics.
    func process(_ lease: JobLease) async {
        let event = lease.job.event
        let labels = MetricLabels.bot(event.bot, platform: event.platform)
        Meter.increment(MetricName.jobAttempts, labels)
        let started = ContinuousClock.now
        let webhook = TraceContext.restore(lease.job.traceContext)
        let outcome = await Self.$pinned.withValue(snapshot) {
            await traced(lease, webhook: webhook)
        }
        Meter.record(MetricName.jobSeconds, labels, started.duration(to: .now))
        Meter.increment(MetricName.jobs, labels.with("outcome", outcome.rawValue))
    }

    private func traced(_ lease: JobLease, webhook: ServiceContext?) async -> AttemptOutcome {
        let event = lease.job.event
        return await Traces.span(SpanName.job, context: webhook ?? .topLevel, ofKind: .consumer) { span in
            if let span {
                if let webhook { span.addLink(SpanLink(context: webhook, attributes: [:])) }
                span.attributes[SpanAttributeKey.eventID] = event.id
                span.attributes[SpanAttributeKey.bot] = event.bot
                span.attributes[SpanAttributeKey.platform] = event.platform
                span.attributes[SpanAttributeKey.attempt] = lease.attempt
            }
            let outcome = await attempt(lease)
            span?.attributes[SpanAttributeKey.outcome] = outcome.rawValue
            if outcome == .retried || outcome == .failed { span?.setStatus(SpanStatus(code: .error)) }
            return outcome
        }
    }

    /// How one attempt ended (the `outcome` label of ``MetricName/jobs``).
    enum AttemptOutcome: String {
        case done, retried, failed, interrupted, elsewhere
        case leaseLost = "lease_lost"
    }

    private func attempt(_ lease: JobLease) async -> AttemptOutcome {
        // Only another replica can deliver it (it holds the connection the answer goes through):
        // the job goes back, uncounted, before the backend is asked — after a pause, so the replica
        // that can takes it rather than this one again.
        if let adapter = adapters[lease.job.event.bot], await !adapter.canDeliver(lease.job.event) {
            try? await Task.sleep(for: configuration.pollInterval * 4)
            await Self.evenIfCancelled { [store] in try? await store.release(lease) }
            return .elsewhere
        }
        let event = lease.job.event
        var logger = self.logger
        logger[metadataKey: "event_id"] = "\(event.id)"
        logger[metadataKey: "bot"] = "\(event.bot)"
        logger[metadataKey: "conversation"] = "\(event.conversation.id)"
        logger[metadataKey: "attempt"] = "\(lease.attempt)"
        let jobLogger = logger
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await LeaseKeeper(engine: self, lease: lease, logger: jobLogger).run() }
                group.addTask {
                    try await self.work(on: lease, logger: jobLogger)
                    try await self.complete(lease)
                }
                // The first to finish decides: the work (done or failed), or the keeper (the lease
                // is lost). Leaving the group cancels the other and waits for it to stop.
                try await group.next()
                group.cancelAll()
            }
            logger.debug("job done")
            return .done
        } catch let lost as LeaseLost {
            logger.warning("\(lost); the job was stopped and the worker that takes it over answers it")
            return .leaseLost
        } catch StateStoreError.leaseLost {
            logger.warning("the job's lease was lost as it finished; another worker may take the job over")
            return .leaseLost
        } catch where Task.isCancelled {
            logger.info("job interrupted by shutdown; it will be resumed")
            await Self.evenIfCancelled { [store] in try? await store.release(lease) }
            return .interrupted
        } catch {
            return await failed(lease, error: error, logger: logger)
        }
    }

    /// Records the delivered job as done. The reply is out, so a store that fails just now must not
    /// turn into a second delivery: the call is tried again — the lease still renewed beside it —
    /// until it succeeds or the lease keeper gives the job up.
    private func complete(_ lease: JobLease) async throws {
        while true {
            do {
                let (store, now) = (self.store, clock())
                try await storeHealth.watch { try await withTimeLimit(storeCallLimit) { try await store.complete(lease, now: now) } }
                unsavedReplyStates.forget(job: lease.job.id)
                return
            } catch StateStoreError.leaseLost {
                throw StateStoreError.leaseLost(job: lease.job.id)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try await Task.sleep(for: min(.seconds(1), configuration.leaseDuration / 12))
            }
        }
    }

    /// Runs `operation` to the end although the current task is cancelled: a job interrupted by
    /// shutdown must still give its lease back, and store clients refuse work in a cancelled task.
    /// The new task does not inherit the cancellation; it is awaited, so it never outlives us.
    private static func evenIfCancelled(_ operation: @escaping @Sendable () async -> Void) async {
        await Task { await operation() }.value
    }

    private func work(on lease: JobLease, logger: Logger) async throws {
        let event = lease.job.event
        guard let adapter = adapters[event.bot] else { throw EngineError.noAdapter(bot: event.bot) }
        let reply: ReplyStream
        /// The route whose backend answered (a follow-up window opens after it).
        var answered: RouteMatch?
        switch router.route(event) {
        case .ignore:
            return
        case .command(let command, _) where command.isAdminOnly && !router.policy.isAdmin(event):
            reply = ReplyStream(reply: Reply(markdown: Self.adminOnlyNotice))
        case .command(let command, let targets):
            reply = ReplyStream(reply: Reply(markdown: try await commandAnswer(command, targets: targets, event: event)))
        case .reply(let match):
            switch try await admission(for: match, lease: lease, adapter: adapter, logger: logger) {
            case .ask(let query):
                var asked = match
                asked.query = query
                reply = try await backendReply(for: asked, lease: lease)
                answered = match
            case .tell(let text):
                reply = ReplyStream(reply: Reply(markdown: text))
            case .silent:
                return
            }
        }
        let context = DeliveryContext(
            transport: transport, idempotencyKey: lease.job.id, attempt: lease.attempt,
            replyState: ReplyStateHandle(store: store, jobID: lease.job.id, unsaved: unsavedReplyStates), logger: logger
        )
        let labels = MetricLabels.bot(event.bot, platform: event.platform)
        let receipt = try await Traces.span(SpanName.deliver, ofKind: .producer) { span in
            span?.attributes[SpanAttributeKey.bot] = event.bot
            span?.attributes[SpanAttributeKey.platform] = event.platform
            do {
                let receipt = try await adapter.deliver(reply, to: event, context: context)
                span?.attributes[SpanAttributeKey.platformMessageIDs] = receipt.messageIDs
                Meter.increment(MetricName.deliveries, labels.with("result", "ok"))
                BotStatusBoard.shared.delivered(bot: event.bot)
                return receipt
            } catch {
                Meter.increment(MetricName.deliveries, labels.with("result", "error"))
                throw error
            }
        }
        logger.info("reply delivered", metadata: ["messages": "\(receipt.messageIDs.count)"])
        await remember(receipt, answering: answered, event: event, adapter: adapter, logger: logger)
    }

    /// The backend's answer as a stream — or, when an earlier attempt got the whole answer but
    /// failed to deliver it, that stored answer.
    private func backendReply(for match: RouteMatch, lease: JobLease) async throws -> ReplyStream {
        let replyState = ReplyStateHandle(store: store, jobID: lease.job.id, unsaved: unsavedReplyStates)
        if let finished = try await replyState.load(Reply.self, Self.finishedReplyKey) {
            return ReplyStream(reply: finished)
        }
        guard let backend = backends[match.backend] else { throw EngineError.noBackend(match.backend) }
        let event = lease.job.event
        let scopeKey = match.scopeKey(for: event)
        let entry = try await store.conversation(scopeKey)
        var request = BackendRequest(
            query: match.query,
            user: match.linkedPrincipal(of: event) ?? Self.user(for: event, scope: match.scope),
            conversationID: entry.stored?.id,
            conversationLastUsed: entry.stored?.lastUsed,
            route: match.rule,
            scope: scopeKey,
            event: event
        )
        request.quote = await quotedText(of: event, logger: logger)
        let media = try await attachments(for: event)
        request.attachments = media.files
        let notice = media.notices.joined(separator: "\n")
        if !notice.isEmpty, media.files.isEmpty, match.query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            // Nothing left to ask about: the user is told why, and the backend is not asked.
            return ReplyStream(reply: Reply(markdown: notice))
        }
        let call = BackendCall(backend: match.backend)
        request.span = call.span
        let recorder = ReplyRecorder(
            backend: match.backend, base: backend.respond(to: request), store: store, scopeKey: scopeKey, generation: entry.generation,
            replyState: replyState, clock: clock, logger: logger, call: call
        )
        return notice.isEmpty ? ReplyStream(recorder) : ReplyStream(recorder).prepending([.delta(notice + "\n\n")])
    }

    private func failed(_ lease: JobLease, error: any Error, logger: Logger) async -> AttemptOutcome {
        let retryable = (error as? any RetryableError)?.isRetryable ?? true
        let finalAttempt = !retryable || lease.attempt >= configuration.retry.maxAttempts
        let now = clock()
        let retryAt = finalAttempt ? nil : now.adding(configuration.retry.delay(afterAttempt: lease.attempt))
        do {
            try await storeHealth.watch { try await store.fail(lease, error: "\(error)", retryAt: retryAt, now: now) }
        } catch {
            // Said once by storeHealth; the lease expires and the job is tried again.
            logger.debug("could not record the failure in the state store: \(error)")
        }
        guard finalAttempt else {
            logger.warning("job failed; will retry", metadata: ["error": "\(error)", "retry_at": "\(retryAt!)"])
            BotStatusBoard.shared.failed(bot: lease.job.event.bot, "\(error)")
            return .retried
        }
        logger.error("job failed for good", metadata: ["error": "\(error)"])
        unsavedReplyStates.forget(job: lease.job.id)
        BotStatusBoard.shared.failed(bot: lease.job.event.bot, "\(error)")
        if error is BackendFailure {
            await tellUserBackendFailed(lease, logger: logger)
        }
        return .failed
    }

    /// When the backend (not the platform) failed for good, the user gets a short notice instead
    /// of silence. Best effort: a failure here is only logged.
    ///
    /// The notice is delivered with the job's own reply state, as the answer would have been: it
    /// lands where the user is looking — the WeCom AI-bot stream they poll, the Feishu card that
    /// shows "thinking" — instead of beside it. A backend failure means no part of an answer was
    /// sent as a message of its own (adapters that send whole answers read the whole stream
    /// first), so no progress recorded there is the answer's. The idempotency key is its own.
    private func tellUserBackendFailed(_ lease: JobLease, logger: Logger) async {
        guard let adapter = adapters[lease.job.event.bot] else { return }
        let notice = Reply(markdown: Self.failureNotice)
        let context = DeliveryContext(
            transport: transport, idempotencyKey: "\(lease.job.id):failure-notice", attempt: 1,
            replyState: ReplyStateHandle(store: store, jobID: lease.job.id, unsaved: unsavedReplyStates), logger: logger
        )
        do {
            _ = try await adapter.deliver(ReplyStream(reply: notice), to: lease.job.event, context: context)
        } catch {
            logger.warning("could not deliver the failure notice: \(error)")
        }
    }

    /// The stable id a backend knows the sender by: platform, bot and sender. A `per_chat`
    /// conversation is shared by everyone in the chat, and backends such as Dify only continue a
    /// conversation for the user that started it, so there the chat is the user.
    static func user(for event: ChatEvent, scope: ConversationScope) -> String {
        switch scope {
        case .perUser, .perUserInChat:
            return "\(event.platform):\(event.bot):\(event.sender.id)"
        case .perChat:
            var chat = "\(event.platform):\(event.bot):chat:\(event.conversation.id)"
            if let thread = event.conversation.thread { chat += "/\(thread)" }
            return chat
        }
    }
}

/// Passes a backend's chunks through while keeping what must outlive the attempt: the backend
/// conversation id (stored as soon as it is seen, unless the scope was reset meanwhile) and, at
/// `.end`, the whole answer, so a retry of a failed delivery replays it rather than asking the
/// backend twice. Errors from the backend come out as ``BackendFailure``.
private struct ReplyRecorder: AsyncSequence, Sendable {
    typealias Element = ReplyChunk
    let backend: String
    let base: ReplyStream
    let store: any StateStore
    let scopeKey: String
    /// The scope's generation when the job read its conversation: a `/reset` since then wins.
    let generation: Int
    let replyState: ReplyStateHandle
    let clock: @Sendable () -> Date
    let logger: Logger
    let call: BackendCall

    struct AsyncIterator: AsyncIteratorProtocol {
        let recorder: ReplyRecorder
        var base: ReplyStream.AsyncIterator
        var reply = Reply()

        mutating func next() async throws -> ReplyChunk? {
            let chunk: ReplyChunk?
            do {
                chunk = try await base.next()
            } catch {
                recorder.call.end(error: error)
                throw BackendFailure(backend: recorder.backend, underlying: error)
            }
            guard let chunk else { return nil }
            reply.apply(chunk)
            switch chunk {
            case .delta, .replace:
                recorder.call.firstText()
            default:
                break
            }
            switch chunk {
            case .conversation(let id):
                let saved = try await recorder.store.saveConversation(recorder.scopeKey, id: id, generation: recorder.generation, now: recorder.clock())
                if !saved {
                    recorder.logger.info("the conversation was reset while this answer was written; its conversation id is not kept")
                }
            case .end:
                recorder.call.end(error: nil)
                try await recorder.replyState.save(Engine.finishedReplyKey, reply)
            default:
                break
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(recorder: self, base: base.makeAsyncIterator())
    }
}
