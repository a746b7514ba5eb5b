import Foundation
import SwitchboardTesting
import SwitchboardCore
import SwitchboardServer

/// Speaks the generic adapter's signed wire format to a `switchboard serve` process.
struct GenericClient {
    let port: Int
    let secret: String
    var bot = "app"

    static func message(_ id: String, _ text: String, chat: String = "chat-1", type: String = "direct") -> Data {
        GenericMessage(id, text, chat: chat, group: type == "group", sender: "u-\(chat)").body
    }

    /// POSTs a signed Event JSON body; returns the status.
    func post(_ body: Data) async throws -> Int {
        var headers = GenericSignature(secret: secret).headers(for: body, now: Date())
        headers[.contentType] = "application/json"
        let response = try await AsyncHTTPClientTransport().execute(
            OutboundRequest(method: .post, url: "http://127.0.0.1:\(port)/webhooks/\(bot)", headers: headers, body: body)
        )
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }
}

/// The `event_id` of each generic callback.
func callbackEventIDs(_ bodies: [Data]) throws -> [String] {
    try bodies.map { body in
        ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["event_id"] as? String) ?? ""
    }
}
