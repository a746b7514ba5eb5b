import Foundation
public import Logging

/// A configured notification target: a bot that can send first, and where to.
public struct NotifyTarget: Sendable {
    public var name: String
    public var bot: String
    public var destination: NotificationDestination
    /// Its own bearer token, else the global one.
    public var token: String?

    public init(name: String, bot: String, destination: NotificationDestination, token: String?) {
        self.name = name
        self.bot = bot
        self.destination = destination
        self.token = token
    }
}

/// What one target answered: the platform's message ids, or its error (errcode and errmsg, as
/// the adapter's error says them — never a secret).
public struct NotifyResult: Sendable, Codable, Equatable {
    public var target: String
    public var ok: Bool
    public var messageIDs: [String]
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case target, ok
        case messageIDs = "message_ids"
        case error
    }
}

/// Sends notifications to targets through their bots' adapters, synchronously: rendered and split
/// by the adapter, sent once (a failure is reported to the caller, who decides to retry), nothing
/// stored. Used by `POST /notify` and `switchboard send`.
public struct Notifier: Sendable {
    public let targets: [String: NotifyTarget]
    let adapters: [String: any ChatAdapter]
    let transport: any HTTPTransport
    let logger: Logger

    public init(targets: [NotifyTarget], adapters: [String: any ChatAdapter], transport: any HTTPTransport, logger: Logger) {
        self.targets = Dictionary(targets.map { ($0.name, $0) }) { first, _ in first }
        self.adapters = adapters
        self.transport = transport
        self.logger = logger
    }

    /// Checks that every target's bot can send first and accepts its destination; a reason naming
    /// the target's key otherwise.
    public static func check(_ targets: [NotifyTarget], adapters: [String: any ChatAdapter]) -> [(key: String, reason: String)] {
        targets.compactMap { target -> (key: String, reason: String)? in
            guard let adapter = adapters[target.bot] else { return ("targets.\(target.name).bot", "no bot \(target.bot) in bots:") }
            guard let sender = adapter as? any NotificationSending else {
                return ("targets.\(target.name).bot", "bot \(target.bot) (\(adapter.platform)) cannot send first; use a robot, a custom bot or an app bot")
            }
            do {
                _ = try sender.notificationEvent(id: "check", destination: target.destination, mentions: [], now: Date())
                return nil
            } catch {
                return ("targets.\(target.name)", "\(error)")
            }
        }
    }

    /// Why a notification with these mentions cannot go to the target as asked (a phone number
    /// where the platform only @-mentions by id, a mention where it cannot @ at all), or nil. No
    /// I/O: for answering a caller with 400 before anything is sent.
    public func refusal(mentions: [String], to name: String) -> String? {
        guard let target = targets[name], let adapter = adapters[target.bot] as? any NotificationSending else {
            return "no notification target \(name)"
        }
        do {
            _ = try adapter.notificationEvent(id: "check", destination: target.destination, mentions: mentions, now: Date())
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Sends `markdown` (with `mentions`) to one target.
    public func send(_ markdown: String, mentions: [String] = [], to name: String) async -> NotifyResult {
        guard let target = targets[name], let adapter = adapters[target.bot] as? any NotificationSending else {
            return NotifyResult(target: name, ok: false, messageIDs: [], error: "no notification target \(name)")
        }
        let id = "notify:\(UUID().uuidString.lowercased())"
        do {
            let event = try adapter.notificationEvent(id: id, destination: target.destination, mentions: mentions, now: Date())
            let context = DeliveryContext(
                transport: transport, idempotencyKey: id, attempt: 1, replyState: ReplyStateHandle(store: InMemoryStateStore(), jobID: id), logger: logger
            )
            let receipt = try await adapter.deliver(ReplyStream(reply: Reply(markdown: markdown)), to: event, context: context)
            logger.info("notification sent", metadata: ["target": "\(name)", "messages": "\(receipt.messageIDs.count)"])
            return NotifyResult(target: name, ok: true, messageIDs: receipt.messageIDs, error: nil)
        } catch {
            logger.warning("notification failed", metadata: ["target": "\(name)", "error": "\(error)"])
            return NotifyResult(target: name, ok: false, messageIDs: [], error: "\(error)")
        }
    }
}
