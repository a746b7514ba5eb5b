import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting

/// The generic bot's side of an end-to-end test.
extension RunningSwitchboard {
    static let secret = "e2e-secret-0123456789abcdef"

    /// A direct-chat message as Event JSON.
    static func message(_ id: String, _ text: String, chat: String = "chat-1", sender: String = "u-1") -> Data {
        GenericMessage(id, text, chat: chat, sender: sender).body
    }

    /// POSTs `body` to a bot's webhook, signed with `secret` unless `signature` overrides it.
    func post(bot: String = "app", _ body: Data, secret: String = Self.secret, signature: String? = nil) async throws -> (status: Int, body: String) {
        var headers = GenericSignature(secret: secret).headers(for: body, now: Date())
        if let signature { headers[GenericSignature.signatureHeader] = signature }
        headers[.contentType] = "application/json"
        return try await send(OutboundRequest(method: .post, url: "\(url)/webhooks/\(bot)", headers: headers, body: body))
    }
}

/// What a generic bot's callback received.
struct Callback {
    let eventID: String
    let markdown: String

    init(_ request: RecordedRequest) throws {
        guard
            let timestamp = request.headers[GenericSignature.timestampHeader],
            let signature = request.headers[GenericSignature.signatureHeader],
            GenericSignature(secret: RunningSwitchboard.secret).isValid(signature: signature, timestampHeader: timestamp, body: request.body)
        else { throw FixtureError("callback not signed with the bot's secret") }
        let object = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
        eventID = object?["event_id"] as? String ?? ""
        markdown = (object?["reply"] as? [String: Any])?["markdown"] as? String ?? ""
    }

    static func all(_ requests: [RecordedRequest]) throws -> [Callback] {
        try requests.map(Callback.init)
    }
}
