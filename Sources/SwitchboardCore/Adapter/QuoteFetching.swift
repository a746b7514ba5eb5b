/// An adapter whose platform says only *which* message a message replies to (Feishu `parent_id`),
/// not what it said: the engine asks it for the quoted text when it works on the message — never
/// in `receive`, which stays network-free — and passes the text to the backend
/// (``BackendRequest/quote``). Adapters whose payload carries the quoted text set
/// ``ChatEvent/quote`` instead and need not adopt this.
public protocol QuoteFetching: Sendable {
    /// The text of message `messageID`, which `event` replies to; nil when it has none (a picture).
    /// Throws when the platform cannot be asked; the engine then answers without the quote.
    func quotedText(_ messageID: String, of event: ChatEvent, transport: any HTTPTransport) async throws -> String?
}
