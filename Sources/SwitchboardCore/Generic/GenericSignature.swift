import Crypto
public import Foundation
public import HTTPTypes

/// The signature of the generic adapter's requests, both ways:
/// `X-Switchboard-Timestamp: <unix seconds>` and
/// `X-Switchboard-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the bot's secret>`.
public struct GenericSignature: Sendable {
    public static let timestampHeader = HTTPField.Name("X-Switchboard-Timestamp")!
    public static let signatureHeader = HTTPField.Name("X-Switchboard-Signature")!
    static let scheme = "sha256="

    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Data(secret.utf8))
    }

    /// The header value for `body` sent at `timestamp`.
    public func sign(timestamp: Int64, body: Data) -> String {
        Self.scheme + Hex.encode(HMAC<SHA256>.authenticationCode(for: message(timestamp: timestamp, body: body), using: key))
    }

    /// Both headers for `body` sent at `now`.
    public func headers(for body: Data, now: Date) -> HTTPFields {
        let timestamp = Int64(now.timeIntervalSince1970)
        return [Self.timestampHeader: String(timestamp), Self.signatureHeader: sign(timestamp: timestamp, body: body)]
    }

    /// Checks the signature in constant time, over the timestamp header exactly as it was sent:
    /// `0123` and `123` are different messages, as they are to the sender's HMAC.
    public func isValid(signature: String, timestampHeader: String, body: Data) -> Bool {
        guard signature.hasPrefix(Self.scheme), let mac = Hex.decode(signature.dropFirst(Self.scheme.count)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message(timestamp: timestampHeader, body: body), using: key)
    }

    private func message(timestamp: Int64, body: Data) -> Data {
        message(timestamp: String(timestamp), body: body)
    }

    private func message(timestamp: String, body: Data) -> Data {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        return message
    }
}
