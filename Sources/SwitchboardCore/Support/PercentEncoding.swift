/// Query values for platform URLs (tokens, keys, signatures, tickets): everything but RFC 3986's
/// unreserved ASCII characters is percent-encoded as UTF-8 — so base64's `+`, `/` and `=`
/// survive, and no non-ASCII letter slips through unencoded. Public for adapters; the decoding
/// side is ``WebhookRequest/query(_:)``.
public enum PercentEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// A path segment (a message id, a resource key): the same encoding — `/` included — so an id
    /// can never reach another path.
    public static func pathSegment(_ text: String) -> String {
        queryValue(text)
    }

    public static func queryValue(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
