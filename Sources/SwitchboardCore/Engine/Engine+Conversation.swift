import Foundation
import Logging

/// Who a message is for, decided with the store before routing: the sender's principal
/// (`identities:`), and whether a group message without @ is addressed to the bot all the same —
/// it replies to one of the bot's own messages, or comes within a route's `follow_up` window after
/// the bot answered its sender there. Both facts are marks in the state store, so every replica
/// agrees and a restart forgets nothing.
extension Engine {
    /// How long the bot remembers the platform ids of what it sent, for replies to them.
    static let sentMessageMemory: Duration = .seconds(7 * 24 * 3600)

    /// `event` with its principal set and, when the store says so, `mentionsBot` set. Reads the
    /// store only for a group message without @ that replies to something, or that a route with
    /// `follow_up` admits.
    func addressed(_ event: ChatEvent, router: RoutingTable, now: Date) async throws -> ChatEvent {
        var event = event
        if let principal = router.policy.identities.principal(for: event) { event.principal = principal }
        guard event.kind == .message, event.conversation.type == .group, !event.mentionsBot else { return event }
        let store = self.store
        if let replied = event.replyTo, try await storeHealth.watch({ try await store.isMarked(Self.sentKey(bot: event.bot, messageID: replied), now: now) }) {
            event.mentionsBot = true
            logger.debug("a reply to the bot's message counts as addressed to it", metadata: ["event_id": "\(event.id)"])
        } else if router.hasFollowUp(for: event), try await storeHealth.watch({ try await store.isMarked(Self.lingerKey(event), now: now) }) {
            event.mentionsBot = true
            logger.debug("a follow-up within the window counts as addressed to the bot", metadata: ["event_id": "\(event.id)"])
        }
        return event
    }

    /// After a delivery: the ids of what the bot sent (where groups deliver messages without @,
    /// so a reply to them can be recognised), and the sender's follow-up window. Best effort: a
    /// store failure here is logged, never a second delivery.
    func remember(_ receipt: DeliveryReceipt, answering match: RouteMatch?, event: ChatEvent, adapter: any ChatAdapter, logger: Logger) async {
        guard event.conversation.type == .group else { return }
        let now = clock()
        do {
            if adapter.capabilities.groupsDeliverUnmentionedMessages {
                for id in receipt.messageIDs where !id.isEmpty {
                    try await store.setMark(Self.sentKey(bot: event.bot, messageID: id), until: now.adding(Self.sentMessageMemory), now: now)
                }
            }
            if let followUp = match?.features.followUp {
                try await store.setMark(Self.lingerKey(event), until: now.adding(followUp), now: now)
            }
        } catch {
            logger.warning("could not remember the bot's message or the follow-up window: \(error)")
        }
    }

    /// The text the message quotes: from the event, or fetched by the adapter (``QuoteFetching``),
    /// at most ``BackendRequest/quoteLimit`` characters. A failed fetch answers without it.
    func quotedText(of event: ChatEvent, logger: Logger) async -> String? {
        var text = event.quote
        if text == nil, let replied = event.replyTo, let fetcher = adapters[event.bot] as? any QuoteFetching {
            do {
                text = try await fetcher.quotedText(replied, of: event, transport: transport)
            } catch {
                logger.warning("could not read the quoted message; answering without it: \(error)")
            }
        }
        guard let text, !text.isEmpty else { return nil }
        return text.count > BackendRequest.quoteLimit ? String(text.prefix(BackendRequest.quoteLimit)) : text
    }

    static func sentKey(bot: String, messageID: String) -> String {
        "mark:sent|\(bot)|\(messageID)"
    }

    /// One sender in one chat (and thread) of one bot.
    static func lingerKey(_ event: ChatEvent) -> String {
        var chat = event.conversation.id
        if let thread = event.conversation.thread { chat += "/\(thread)" }
        return "mark:linger|\(event.bot)|\(chat)|\(event.sender.id)"
    }

    /// The burst a debounced message belongs to: its scope and its sender (or principal).
    static func burstKey(_ match: RouteMatch, _ event: ChatEvent) -> String {
        "burst|\(match.rule)|\(match.scopeKey(for: event))|\(event.principal ?? "\(event.platform):\(event.bot):\(event.sender.id)")"
    }
}
