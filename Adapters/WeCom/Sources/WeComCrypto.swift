public import Foundation
import Crypto
import CryptoExtras
import SwitchboardCore

/// WeCom's callback crypto, WXBizMsgCrypt (platforms.md §1a.5): a SHA-1 signature over the sorted
/// token, timestamp, nonce and ciphertext; AES-256-CBC with the IV taken from the key, PKCS#7
/// padding to 32-byte blocks, and a plaintext of 16 random bytes ‖ a 4-byte big-endian length ‖
/// the message ‖ the receive id (the CorpID for apps, empty for AI bots).
public struct WeComCrypto: Sendable {
    public static let blockSize = 32

    let token: String
    let key: SymmetricKey
    let iv: [UInt8]
    let receiveID: String
    /// The 32 key bytes, for the AI bot's media in HTTP mode (platforms-2.md §4.2).
    let keyBytes: [UInt8]

    /// - Parameters:
    ///   - encodingAESKey: the 43 characters from the console.
    ///   - receiveID: the CorpID (self-built apps) or `""` (AI bots).
    public init(token: String, encodingAESKey: String, receiveID: String) throws(WeComCryptoError) {
        guard let bytes = Self.decodeKey(encodingAESKey) else { throw .illegalAESKey }
        self.token = token
        key = SymmetricKey(data: bytes)
        iv = Array(bytes[0..<16])
        self.receiveID = receiveID
        keyBytes = bytes
    }

    // MARK: Signature

    /// `sha1_hex(join(sorted([token, timestamp, nonce, encrypt])))`.
    public func signature(timestamp: String, nonce: String, encrypt: String) -> String {
        let joined = [token, timestamp, nonce, encrypt].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.joined()
        return Hex.encode(Insecure.SHA1.hash(data: Data(joined.utf8)))
    }

    /// Compares in constant time (for the length of a SHA-1 hex string).
    public func verify(signature: String, timestamp: String, nonce: String, encrypt: String) throws(WeComCryptoError) {
        let expected = self.signature(timestamp: timestamp, nonce: nonce, encrypt: encrypt)
        guard ConstantTime.equals(expected, signature.lowercased()) else { throw .signature }
    }

    // MARK: AES

    /// The message inside base64 ciphertext, every field checked.
    public func decrypt(_ ciphertext: String) throws(WeComCryptoError) -> Data {
        guard let data = Data(base64Encoded: ciphertext) else { throw .base64 }
        guard !data.isEmpty, data.count % Self.blockSize == 0 else { throw .ciphertextLength }
        let plain: [UInt8]
        do {
            plain = try [UInt8](AES._CBC.decrypt(data, using: key, iv: AES._CBC.IV(ivBytes: iv), noPadding: true))
        } catch {
            throw .ciphertextLength
        }
        guard let pad = plain.last, pad >= 1, Int(pad) <= Self.blockSize, Int(pad) <= plain.count,
            plain[(plain.count - Int(pad))...].allSatisfy({ $0 == pad })
        else { throw .padding }
        let content = plain[..<(plain.count - Int(pad))]
        guard content.count >= 20 else { throw .length }
        let length = content[16..<20].reduce(0) { $0 << 8 | Int($1) }
        guard length <= content.count - 20 else { throw .length }
        let messageEnd = 20 + length
        // WeCom's AI-bot SDK skips the comparison for an empty receive id; AI-bot plaintexts carry none.
        if !receiveID.isEmpty, !content[messageEnd...].elementsEqual(receiveID.utf8) { throw .receiveID }
        return Data(content[20..<messageEnd])
    }

    /// Base64 ciphertext of `message`. `random` is the 16-byte prefix.
    public func encrypt(_ message: Data, random: [UInt8]) throws(WeComCryptoError) -> String {
        precondition(random.count == 16, "WeCom's plaintext starts with 16 random bytes")
        var plain = random
        let count = UInt32(message.count)
        plain += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        plain += message
        plain += Array(receiveID.utf8)
        let pad = Self.blockSize - plain.count % Self.blockSize
        plain += [UInt8](repeating: UInt8(pad), count: pad)
        do {
            return try AES._CBC.encrypt(plain, using: key, iv: AES._CBC.IV(ivBytes: iv), noPadding: true).base64EncodedString()
        } catch {
            throw .encrypt
        }
    }

    /// Encrypts with a prefix derived from the message (HMAC-SHA256 under the AES key), so the
    /// same answer to a redelivered request is byte for byte the same. It reveals only that two
    /// ciphertexts hold the same message, which the same request does anyway.
    public func encryptDeterministically(_ message: Data) throws(WeComCryptoError) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return try encrypt(message, random: Array(mac.prefix(16)))
    }

    /// 16 random bytes for ``encrypt(_:random:)``.
    public static func randomPrefix() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// `base64(EncodingAESKey + "=")`, which must be 32 bytes. The console issues keys whose last
    /// character carries non-zero spare bits (strict decoders refuse them), so the bits are
    /// decoded by hand and the spare ones ignored.
    static func decodeKey(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count == 43 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(33)
        var buffer = 0
        var bits = 0
        for character in characters {
            guard let value = base64Value(character) else { return nil }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(buffer >> bits & 0xFF))
            }
            buffer &= (1 << bits) - 1
        }
        return bytes.count == 32 ? bytes : nil
    }

    private static func base64Value(_ character: UInt8) -> Int? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}

/// Why a WeCom callback could not be verified or decrypted — one case per check, as WeCom's own
/// sample numbers them (`-40001` …). Only ``signature`` and ``receiveID`` say something to the
/// sender; the others become one "cannot decrypt" answer, which does not tell which check failed.
public enum WeComCryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// -40001: the signature does not match.
    case signature
    /// -40004: the EncodingAESKey is not 43 characters of base64 decoding to 32 bytes.
    case illegalAESKey
    /// -40010: the ciphertext is not base64.
    case base64
    /// -40007: the ciphertext is empty or not whole blocks (truncated).
    case ciphertextLength
    /// -40007: the PKCS#7 padding is wrong (wrong key, or corrupted).
    case padding
    /// -40008: the length field does not fit the plaintext.
    case length
    /// -40005: the message was encrypted for another receive id (another corp).
    case receiveID
    /// -40006.
    case encrypt

    public var description: String {
        switch self {
        case .signature: "signature mismatch"
        case .illegalAESKey: "the EncodingAESKey must be the 43 characters from the console"
        case .base64: "the ciphertext is not base64"
        case .ciphertextLength: "the ciphertext is truncated"
        case .padding: "the padding is invalid"
        case .length: "the length field is invalid"
        case .receiveID: "the message is for another receive id"
        case .encrypt: "encryption failed"
        }
    }
}
