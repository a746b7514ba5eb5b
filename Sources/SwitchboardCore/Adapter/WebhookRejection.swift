public import HTTPTypes

/// A webhook request refused before it became an event: a bad signature or token (401/403), a
/// stale timestamp (401), a malformed payload (400), a body that is too large (413).
///
/// The `reason` is sent back to the caller and logged, so it is short, says what to do, and never
/// contains a secret, a decrypted body or which internal check (e.g. which padding byte) failed.
public struct WebhookRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var reason: String

    public init(status: HTTPResponse.Status, reason: String) {
        self.status = status
        self.reason = reason
    }

    public static func unauthorized(_ reason: String) -> WebhookRejection { .init(status: .unauthorized, reason: reason) }
    public static func forbidden(_ reason: String) -> WebhookRejection { .init(status: .forbidden, reason: reason) }
    public static func badRequest(_ reason: String) -> WebhookRejection { .init(status: .badRequest, reason: reason) }
    public static func methodNotAllowed(_ reason: String) -> WebhookRejection { .init(status: .methodNotAllowed, reason: reason) }
    public static func payloadTooLarge(_ reason: String) -> WebhookRejection { .init(status: .contentTooLarge, reason: reason) }

    /// The answer sent to the caller: the status and the reason as a text body.
    public var response: WebhookResponse { .text(reason, status: status) }

    public var description: String { "\(status.code) \(reason)" }
}
