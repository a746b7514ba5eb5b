import Crypto
import Foundation
import SwitchboardCore

/// DingTalk's signature (platforms.md §3a, §3c): `base64(HMAC-SHA256(key: secret, message:
/// timestamp + "\n" + secret))` with the timestamp in milliseconds — the app secret for robot
/// callbacks, the `SEC…` secret for custom robots (which put it URL-encoded in the query).
public enum DingTalkSignature {
    public static func sign(timestamp: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Compares the decoded signature with the MAC in constant time.
    public static func isValid(_ signature: String, timestamp: String, secret: String) -> Bool {
        guard let given = Data(base64Encoded: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data("\(timestamp)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
    }
}
