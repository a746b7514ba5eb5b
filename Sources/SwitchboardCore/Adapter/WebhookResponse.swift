public import Foundation
public import HTTPTypes

/// What the server answers to a webhook request. Framework-free; the server converts it.
public struct WebhookResponse: Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: Data

    public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// An empty body: the plain "received" answer most platforms expect.
    public static func empty(_ status: HTTPResponse.Status = .ok) -> WebhookResponse {
        WebhookResponse(status: status)
    }

    /// A UTF-8 text body, e.g. a decrypted `echostr`.
    public static func text(_ text: String, status: HTTPResponse.Status = .ok) -> WebhookResponse {
        WebhookResponse(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: Data(text.utf8))
    }

    /// A JSON body encoded with sorted keys.
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> WebhookResponse {
        WebhookResponse(status: status, headers: [.contentType: "application/json"], body: try EventJSON.encode(value))
    }

    /// A JSON body given as its exact text.
    public static func json(raw: String, status: HTTPResponse.Status = .ok) -> WebhookResponse {
        WebhookResponse(status: status, headers: [.contentType: "application/json"], body: Data(raw.utf8))
    }
}
