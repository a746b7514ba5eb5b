import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardFeishu

@Suite("Feishu crypto", .timeLimit(.minutes(5)))
struct FeishuCryptoTests {
    /// The official doc's mini-vector (platforms.md §2b).
    @Test func officialSample() throws {
        let crypto = FeishuCrypto(encryptKey: "test key")
        #expect(String(decoding: try crypto.decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="), as: UTF8.self) == "hello world")
    }

    /// platforms.md §6.2: the signature over the raw body and the decrypted event.
    @Test func fixtureVector() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/feishu/group-at-bot-encrypted")
        let body = try Data(contentsOf: folder.appendingPathComponent("body.json"))
        let crypto = FeishuCrypto(encryptKey: "fixtureEncryptKey2024")
        #expect(crypto.signature(timestamp: "1718000000", nonce: "fixture-nonce-42", body: body) == "e90c09c332d3d18ef4ee27f63f72a29d3adedf2ffd6cdb24c5c652fcd43776ac")
        #expect(crypto.verify(signature: "E90C09C332D3D18EF4EE27F63F72A29D3ADEDF2FFD6CDB24C5C652FCD43776AC", timestamp: "1718000000", nonce: "fixture-nonce-42", body: body))
        #expect(!crypto.verify(signature: "e90c09c332d3d18ef4ee27f63f72a29d3adedf2ffd6cdb24c5c652fcd43776ac", timestamp: "1718000001", nonce: "fixture-nonce-42", body: body))
        let encrypt = try JSONDecoder().decode([String: String].self, from: body)["encrypt"]!
        let event = try JSONDecoder().decode(JSONValue.self, from: try crypto.decrypt(encrypt))
        #expect(event["header"]?["token"] == "v3rIfIcAtIoNtOkEnFaKe000")
        #expect(event["event"]?["message"]?["content"] == #"{"text":"@_user_1 帮我总结一下"}"#)
        // The IV is the ciphertext's first 16 bytes.
        #expect(Data(base64Encoded: encrypt)!.prefix(16) == Data(Hex.decode("00112233445566778899aabbccddeeff")!))
    }

    @Test func encryptRoundTripsAndEveryFailureIsDistinct() throws {
        let crypto = FeishuCrypto(encryptKey: "k")
        let sealed = try crypto.encrypt(Data("{\"a\":1}".utf8), iv: Array(repeating: 7, count: 16))
        #expect(try crypto.decrypt(sealed) == Data("{\"a\":1}".utf8))
        #expect(throws: FeishuCryptoError.base64) { try crypto.decrypt("not base64!") }
        #expect(throws: FeishuCryptoError.ciphertextLength) { try crypto.decrypt(Data(repeating: 1, count: 20).base64EncodedString()) }
        #expect(throws: FeishuCryptoError.padding) { try FeishuCrypto(encryptKey: "another").decrypt(sealed) }
    }

    /// platforms.md §6.3: the custom bot's key is `timestamp\nsecret` and the message empty.
    @Test func customBotSignature() {
        #expect(FeishuWebhookAdapter.sign(timestamp: "1718000000", secret: "fixtureCustomBotSecret") == "0jg/fgXRd2T9C/cejEtQTli1YoA1ED9OqxR8LfNCGCU=")
    }
}
