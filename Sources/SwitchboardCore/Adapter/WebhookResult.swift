import Foundation

/// One webhook request run through an adapter exactly as the server runs it — the shared path of
/// the server, `switchboard decode` and the fixture runner.
public struct WebhookResult: Sendable {
    /// The answer to send (before events are persisted for `.accept`).
    public var response: WebhookResponse
    /// Events to persist; empty for handshakes and rejections.
    public var events: [ChatEvent]
    /// Set when the adapter refused the request.
    public var rejection: WebhookRejection?

    public init(response: WebhookResponse, events: [ChatEvent], rejection: WebhookRejection?) {
        self.response = response
        self.events = events
        self.rejection = rejection
    }

    /// The `decode` / fixture form: `{"status": …, "body": …, "events": […]}`.
    public var summary: WebhookSummary {
        WebhookSummary(status: Int(response.status.code), body: String(decoding: response.body, as: UTF8.self), events: events)
    }
}

/// What `switchboard decode` prints and fixture `response.json` / `events.json` hold.
public struct WebhookSummary: Codable, Sendable, Equatable {
    public var status: Int
    public var body: String
    public var events: [ChatEvent]

    public init(status: Int, body: String, events: [ChatEvent]) {
        self.status = status
        self.body = body
        self.events = events
    }
}

extension ChatAdapter {
    /// Runs `receive`, turning a ``WebhookRejection`` into its response and any other error into a
    /// 500 (logged, with no detail sent to the caller).
    public func handle(_ request: WebhookRequest, context: WebhookContext) async -> WebhookResult {
        do {
            switch try await receive(request, context: context) {
            case .respond(let response):
                return WebhookResult(response: response, events: [], rejection: nil)
            case .accept(let events, let ack):
                return WebhookResult(response: ack, events: events, rejection: nil)
            }
        } catch let rejection as WebhookRejection {
            context.logger.notice("webhook rejected", metadata: ["bot": "\(botID)", "status": "\(rejection.status.code)", "reason": "\(rejection.reason)"])
            return WebhookResult(response: rejection.response, events: [], rejection: rejection)
        } catch {
            context.logger.error("adapter failed on a webhook", metadata: ["bot": "\(botID)", "error": "\(error)"])
            let rejection = WebhookRejection(status: .internalServerError, reason: "internal error")
            return WebhookResult(response: rejection.response, events: [], rejection: rejection)
        }
    }
}
