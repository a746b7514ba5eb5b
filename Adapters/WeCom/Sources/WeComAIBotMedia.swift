import Crypto
import CryptoExtras
import Foundation
import SwitchboardCore

/// The AI bot's pictures, files and videos (platforms-2.md §4.2): a plain GET of the message's URL
/// (valid five minutes) gives the bytes AES-256-CBC-encrypted — the key the message's `aeskey`
/// (long connection) or the bot's EncodingAESKey (HTTP callbacks), the IV its first 16 bytes,
/// PKCS#7 padding to a multiple of 32 and nothing else around the file.
enum WeComAIBotMedia {
    static func fetch(
        _ media: MediaReference, kind: MediaFile.Kind, key: [UInt8], limit: Int, transport: any HTTPTransport
    ) async throws -> MediaFile {
        guard let url = media.url, !url.isEmpty else { throw MediaError(.unavailable, "the AI bot's message carries no URL for its \(kind.rawValue)") }
        // The URL is signed and lives five minutes: a 403 is most likely an expired one. The padding
        // adds up to 32 bytes to a file at the limit.
        let encrypted = try await MediaDownload.get(url, kind: kind, name: media.name, limit: limit + WeComCrypto.blockSize, transport: transport, signed: true)
        // A name the download made up from the ciphertext's type is no name: the plaintext's type names it.
        let name = encrypted.name == MediaFile.name(nil, kind: kind, mimeType: encrypted.mimeType) ? nil : encrypted.name
        let plain = try decrypt(try encrypted.data(), key: key)
        guard plain.count <= limit else { throw MediaError(.tooLarge(size: plain.count, limit: limit), "the file is \(plain.count) bytes") }
        return try MediaFile.make(kind: kind, name: name, data: plain)
    }

    /// AES-256-CBC, IV = key[0..<16], PKCS#7 (1…32) stripped.
    static func decrypt(_ data: Data, key: [UInt8]) throws -> Data {
        guard key.count == 32 else { throw MediaError(.unavailable, "the AI bot's media key is not 32 bytes") }
        // A length that is not whole blocks is corruption (the Python SDK would pad it with zeros).
        guard !data.isEmpty, data.count % 16 == 0 else { throw MediaError(.unavailable, "the AI bot's encrypted file is not whole AES blocks") }
        let plain: [UInt8]
        do {
            plain = try [UInt8](AES._CBC.decrypt(data, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: key[0..<16]), noPadding: true))
        } catch {
            throw MediaError(.unavailable, "the AI bot's file could not be decrypted")
        }
        guard let pad = plain.last, pad >= 1, Int(pad) <= WeComCrypto.blockSize, Int(pad) <= plain.count,
            plain[(plain.count - Int(pad))...].allSatisfy({ $0 == pad })
        else { throw MediaError(.unavailable, "the AI bot's decrypted file has no valid padding (a wrong key?)") }
        return Data(plain[..<(plain.count - Int(pad))])
    }

    /// A message's `aeskey`: base64, its `=` padding possibly left off.
    static func key(fromAESKey text: String) -> [UInt8]? {
        var padded = text.trimmingCharacters(in: .whitespaces)
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), data.count == 32 else { return nil }
        return [UInt8](data)
    }
}

extension WeComAIBotAdapter: MediaFetching {
    /// HTTP callbacks: the bot's EncodingAESKey decrypts every file.
    func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile {
        try await WeComAIBotMedia.fetch(media, kind: kind, key: callback.crypto.keyBytes, limit: maxMediaBytes, transport: transport)
    }
}

extension WeComAIBotSocketAdapter: MediaFetching {
    /// The long connection: each URL comes with its own `aeskey`.
    func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile {
        guard let key = media.decryptionKey.flatMap(WeComAIBotMedia.key(fromAESKey:)) else {
            throw MediaError(.unavailable, "the AI bot \(botID)'s \(kind.rawValue) came without a usable aeskey")
        }
        return try await WeComAIBotMedia.fetch(media, kind: kind, key: key, limit: maxMediaBytes, transport: transport)
    }
}
