public import Foundation
import Crypto
import CryptoExtras
import SwitchboardCore

/// Feishu's event crypto (platforms.md §2b): the body `{"encrypt": base64(iv ‖ AES-256-CBC(json))}`
/// with key = SHA-256(Encrypt Key) and PKCS#7 padding to 16-byte blocks; and the request signature
/// `hex(SHA-256(timestamp + nonce + Encrypt Key + raw body))`.
public struct FeishuCrypto: Sendable {
    let encryptKey: String
    let key: SymmetricKey

    public init(encryptKey: String) {
        self.encryptKey = encryptKey
        key = SymmetricKey(data: SHA256.hash(data: Data(encryptKey.utf8)))
    }

    // MARK: Signature

    /// `X-Lark-Signature` for a request: over the raw body bytes, never re-serialised JSON.
    public func signature(timestamp: String, nonce: String, body: Data) -> String {
        Hex.encode(digest(timestamp: timestamp, nonce: nonce, body: body))
    }

    /// Compares the digest with the hex signature's bytes (either case), in constant time.
    public func verify(signature: String, timestamp: String, nonce: String, body: Data) -> Bool {
        guard let given = Hex.decode(signature) else { return false }
        return ConstantTime.equals(digest(timestamp: timestamp, nonce: nonce, body: body), given)
    }

    private func digest(timestamp: String, nonce: String, body: Data) -> SHA256.Digest {
        var hash = SHA256()
        hash.update(data: Data((timestamp + nonce + encryptKey).utf8))
        hash.update(data: body)
        return hash.finalize()
    }

    // MARK: AES

    /// The JSON inside an `encrypt` value, every layer checked.
    public func decrypt(_ encrypt: String) throws(FeishuCryptoError) -> Data {
        guard let data = Data(base64Encoded: encrypt) else { throw .base64 }
        guard data.count >= 32, data.count % 16 == 0 else { throw .ciphertextLength }
        let iv = Array(data.prefix(16))
        let plain: [UInt8]
        do {
            plain = try [UInt8](AES._CBC.decrypt(data.dropFirst(16), using: key, iv: AES._CBC.IV(ivBytes: iv), noPadding: true))
        } catch {
            throw .ciphertextLength
        }
        guard let pad = plain.last, pad >= 1, pad <= 16, plain[(plain.count - Int(pad))...].allSatisfy({ $0 == pad }) else {
            throw .padding
        }
        return Data(plain.dropLast(Int(pad)))
    }

    /// `base64(iv ‖ ciphertext)` of `plain` — what Feishu sends; used by tests and fixtures.
    public func encrypt(_ plain: Data, iv: [UInt8]) throws -> String {
        precondition(iv.count == 16, "the IV is 16 bytes")
        let sealed = try AES._CBC.encrypt(plain, using: key, iv: AES._CBC.IV(ivBytes: iv))
        return (Data(iv) + sealed).base64EncodedString()
    }
}

/// Why an `encrypt` value did not open. The HTTP answer names none of these (a caller learns
/// nothing about which check failed); tests and logs do.
public enum FeishuCryptoError: Error, Sendable, Equatable {
    case base64
    case ciphertextLength
    case padding
}
