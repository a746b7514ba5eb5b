import Foundation
import SwitchboardWeCom
import Testing

@Suite("WeCom crypto (WXBizMsgCrypt)", .timeLimit(.minutes(5)))
struct WeComCryptoTests {
    typealias Tencent = WeComVectors.Tencent
    typealias Fixture = WeComVectors.Fixture

    @Test("Tencent's sample: URL verification and a message decrypt to the published plaintexts")
    func tencentSample() throws {
        let crypto = try WeComCrypto(token: Tencent.token, encodingAESKey: Tencent.key, receiveID: Tencent.corpID)
        try crypto.verify(signature: Tencent.verifySignature, timestamp: Tencent.verifyTimestamp, nonce: Tencent.verifyNonce, encrypt: Tencent.echostr)
        #expect(String(decoding: try crypto.decrypt(Tencent.echostr), as: UTF8.self) == Tencent.echoPlain)
        try crypto.verify(signature: Tencent.messageSignature, timestamp: Tencent.messageTimestamp, nonce: Tencent.messageNonce, encrypt: Tencent.encrypt)
        #expect(String(decoding: try crypto.decrypt(Tencent.encrypt), as: UTF8.self) == Tencent.messagePlain)
    }

    @Test("platforms.md §6.1: URL verification, the app message and the AI-bot message")
    func fixtureVectors() throws {
        let app = try WeComCrypto(token: Fixture.token, encodingAESKey: Fixture.key, receiveID: Fixture.corpID)
        try app.verify(signature: Fixture.echoSignature, timestamp: Fixture.timestamp, nonce: Fixture.nonce, encrypt: Fixture.echostr)
        #expect(String(decoding: try app.decrypt(Fixture.echostr), as: UTF8.self) == Fixture.echoPlain)
        try app.verify(signature: Fixture.appSignature, timestamp: Fixture.timestamp, nonce: Fixture.nonce, encrypt: Fixture.appEncrypt)
        #expect(String(decoding: try app.decrypt(Fixture.appEncrypt), as: UTF8.self) == Fixture.appPlain)

        let bot = try WeComCrypto(token: Fixture.token, encodingAESKey: Fixture.key, receiveID: "")
        try bot.verify(signature: Fixture.aibotSignature, timestamp: Fixture.timestamp, nonce: Fixture.nonce, encrypt: Fixture.aibotEncrypt)
        #expect(String(decoding: try bot.decrypt(Fixture.aibotEncrypt), as: UTF8.self) == Fixture.aibotPlain)
    }

    @Test("encrypting the §6.1 plaintexts with their random prefix gives the published ciphertexts")
    func encryptKnownAnswer() throws {
        let app = try WeComCrypto(token: Fixture.token, encodingAESKey: Fixture.key, receiveID: Fixture.corpID)
        #expect(try app.encrypt(Data(Fixture.appPlain.utf8), random: Fixture.random) == Fixture.appEncrypt)
        #expect(app.signature(timestamp: Fixture.timestamp, nonce: Fixture.nonce, encrypt: Fixture.appEncrypt) == Fixture.appSignature)
        let bot = try WeComCrypto(token: Fixture.token, encodingAESKey: Fixture.key, receiveID: "")
        #expect(try bot.encrypt(Data(Fixture.aibotPlain.utf8), random: Fixture.random) == Fixture.aibotEncrypt)
    }

    @Test("what Switchboard encrypts opens with an independent implementation, for every padding length")
    func independentRoundTrip() throws {
        let app = try WeComCrypto(token: Fixture.token, encodingAESKey: Fixture.key, receiveID: Fixture.corpID)
        for length in 0...70 {
            let message = String(repeating: "答", count: length / 3) + String(repeating: "a", count: length % 3)
            let sealed = try app.encrypt(Data(message.utf8), random: WeComCrypto.randomPrefix())
            let opened = try IndependentWXBizMsgCrypt.open(sealed, encodingAESKey: Fixture.key)
            #expect(opened.message == message)
            #expect(opened.receiveID == Fixture.corpID)
            #expect(IndependentWXBizMsgCrypt.sha1Signature([Fixture.token, "1", "2", sealed]) == app.signature(timestamp: "1", nonce: "2", encrypt: sealed))
        }
        let deterministic = try app.encryptDeterministically(Data("同一个回答".utf8))
        #expect(deterministic == (try app.encryptDeterministically(Data("同一个回答".utf8))))
        #expect(try IndependentWXBizMsgCrypt.open(deterministic, encodingAESKey: Fixture.key).message == "同一个回答")
    }

    @Test("each failed check is its own error")
    func failures() throws {
        let app = try WeComCrypto(token: Fixture.token, encodingAESKey: Fixture.key, receiveID: Fixture.corpID)
        var flipped = Array(Fixture.appSignature)
        flipped[0] = flipped[0] == "6" ? "7" : "6"
        #expect(throws: WeComCryptoError.signature) {
            try app.verify(signature: String(flipped), timestamp: Fixture.timestamp, nonce: Fixture.nonce, encrypt: Fixture.appEncrypt)
        }
        #expect(throws: WeComCryptoError.signature) {
            try app.verify(signature: Fixture.appSignature, timestamp: "1718000001", nonce: Fixture.nonce, encrypt: Fixture.appEncrypt)
        }
        let otherCorp = try WeComCrypto(token: Fixture.token, encodingAESKey: Fixture.key, receiveID: "wwWRONG")
        #expect(throws: WeComCryptoError.receiveID) { try otherCorp.decrypt(Fixture.appEncrypt) }
        #expect(throws: WeComCryptoError.base64) { try app.decrypt("not base64 at all!") }
        #expect(throws: WeComCryptoError.ciphertextLength) { try app.decrypt(String(Fixture.appEncrypt.prefix(40)) + "==") }
        #expect(throws: WeComCryptoError.ciphertextLength) { try app.decrypt("") }

        let block = [UInt8](repeating: 0x41, count: 16) + [0, 0, 0, 4] + Array("abcd".utf8) + Array(Fixture.corpID.utf8)
        for badPad: UInt8 in [0, 33, 200] {
            let plain = block + [UInt8](repeating: badPad, count: 64 - block.count)
            #expect(throws: WeComCryptoError.padding) { try app.decrypt(try IndependentWXBizMsgCrypt.sealBlocks(plain, encodingAESKey: Fixture.key)) }
        }
        // Pad bytes that disagree.
        var mixed = block + [UInt8](repeating: 22, count: 64 - block.count)
        mixed[50] = 21
        #expect(throws: WeComCryptoError.padding) { try app.decrypt(try IndependentWXBizMsgCrypt.sealBlocks(mixed, encodingAESKey: Fixture.key)) }
        // A length field past the end.
        var long = [UInt8](repeating: 0x41, count: 16) + [0, 0, 1, 0] + Array("abcd".utf8)
        long += [UInt8](repeating: UInt8(32 - long.count), count: 32 - long.count)
        #expect(throws: WeComCryptoError.length) { try app.decrypt(try IndependentWXBizMsgCrypt.sealBlocks(long, encodingAESKey: Fixture.key)) }
    }

    @Test("keys: console keys with spare bits work; anything but 43 base64 characters is refused")
    func keys() {
        #expect(throws: Never.self) { try WeComCrypto(token: "t", encodingAESKey: Tencent.key, receiveID: "") }
        for bad in ["", String(Fixture.key.dropLast()), Fixture.key + "A", String(Fixture.key.dropLast()) + "!"] {
            #expect(throws: WeComCryptoError.illegalAESKey) { try WeComCrypto(token: "t", encodingAESKey: bad, receiveID: "") }
        }
    }
}
