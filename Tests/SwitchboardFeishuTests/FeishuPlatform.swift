import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardPlatformFakes
import SwitchboardTesting

/// Plays Feishu's side against a running server: builds `im.message.receive_v1` events as
/// platforms.md §2a shows them, encrypts and signs them as §2b says (written here with
/// swift-crypto's own PKCS#7, not the adapter's code).
struct FeishuPlatform {
    static let encryptKey = "fixtureEncryptKey2024"
    static let token = "v3rIfIcAtIoNtOkEnFaKe000"
    static let user = "ou_84aad35d084aa403a838cf73ee18467"
    static let chat = "oc_5ce6d572455d361153b7xx51da133945"

    let server: RunningSwitchboard

    static func message(
        eventID: String, messageID: String, text: String, chatType: String = "group", mentionBot: Bool = true, parentID: String? = nil
    ) -> [String: JSONValue] {
        var message: [String: JSONValue] = [
            "message_id": .string(messageID), "create_time": .string(String(Int(Date().timeIntervalSince1970 * 1000))),
            "chat_id": .string(chat), "chat_type": .string(chatType), "message_type": "text",
            "content": .string(String(decoding: try! JSONEncoder().encode(["text": (mentionBot ? "@_user_1 " : "") + text]), as: UTF8.self)),
        ]
        if let parentID {
            message["parent_id"] = .string(parentID)
            message["root_id"] = .string(parentID)
        }
        if mentionBot {
            message["mentions"] = .array([.object([
                "key": "@_user_1", "name": "AI助手",
                "id": .object(["open_id": .string(FakeFeishuOpenAPI.botOpenID), "union_id": "on_bot", "user_id": ""]),
            ])])
        }
        return [
            "schema": "2.0",
            "header": .object([
                "event_id": .string(eventID), "event_type": "im.message.receive_v1", "create_time": .string(String(Int(Date().timeIntervalSince1970 * 1000))),
                "token": .string(token), "app_id": .string(FakeFeishuOpenAPI.appID), "tenant_key": "2ca1d211f64f6438",
            ]),
            "event": .object([
                "sender": .object(["sender_id": .object(["open_id": .string(user), "union_id": "on_8ed6", "user_id": ""]), "sender_type": "user"]),
                "message": .object(message),
            ]),
        ]
    }

    /// `base64(iv ‖ AES-256-CBC(json))` with key SHA-256(encrypt key).
    static func encrypt(_ plain: Data) throws -> String {
        let key = SymmetricKey(data: SHA256.hash(data: Data(encryptKey.utf8)))
        let iv = (0..<16).map { _ in UInt8.random(in: 0...255) }
        return (Data(iv) + (try AES._CBC.encrypt(plain, using: key, iv: AES._CBC.IV(ivBytes: iv)))).base64EncodedString()
    }

    static func signature(timestamp: String, nonce: String, body: Data) -> String {
        let digest = SHA256.hash(data: Data((timestamp + nonce + encryptKey).utf8) + body)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// POSTs an event encrypted and signed, as Feishu does with an Encrypt Key configured.
    func post(bot: String = "feishu-main", _ payload: [String: JSONValue]) async throws -> (status: Int, body: String) {
        let body = try JSONEncoder().encode(["encrypt": try Self.encrypt(try JSONEncoder().encode(payload))])
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let nonce = UUID().uuidString
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = timestamp
        headers[HTTPField.Name("X-Lark-Request-Nonce")!] = nonce
        headers[HTTPField.Name("X-Lark-Signature")!] = Self.signature(timestamp: timestamp, nonce: nonce, body: body)
        return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/\(bot)", headers: headers, body: body))
    }
}
