import SwitchboardCore

/// A text message's `content`, `{"text":"…"}`, read without JSONDecoder, whose fixed cost is
/// most of a short message's decode on Linux. Only that exact compact shape is read here (it is
/// what Feishu sends, platforms.md §2a); anything else — spaces, more keys, a malformed escape —
/// returns nil and the caller falls back to JSONDecoder.
enum FeishuTextContent {
    private static let prefix = Array(#"{"text":""#.utf8)
    private static let suffix = Array(#""}"#.utf8)

    static func text(_ content: String) -> String? {
        let bytes = Array(content.utf8)
        guard bytes.count >= prefix.count + suffix.count, bytes.starts(with: prefix), bytes.suffix(suffix.count).elementsEqual(suffix) else {
            return nil
        }
        return unescape(bytes[prefix.count..<(bytes.count - suffix.count)])
    }

    /// The value of a JSON string body (between the quotes); nil when it is not one.
    static func unescape(_ body: ArraySlice<UInt8>) -> String? {
        guard body.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 < 0x20 }) else {
            return String(decoding: body, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            index += 1
            if byte == UInt8(ascii: "\"") || byte < 0x20 { return nil }  // unescaped: not a single string
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard index < body.endIndex else { return nil }
            let escape = body[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(body, &index) else { return nil }
                if (0xD800..<0xDC00).contains(scalar) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    guard index + 1 < body.endIndex, body[index] == UInt8(ascii: "\\"), body[index + 1] == UInt8(ascii: "u") else { return nil }
                    index += 2
                    guard let low = hex4(body, &index), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                out += Array(String(Character(unicode)).utf8)
            default:
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex4(_ body: ArraySlice<UInt8>, _ index: inout Int) -> UInt32? {
        guard index + 4 <= body.endIndex else { return nil }
        var value: UInt32 = 0
        for byte in body[index..<(index + 4)] {
            guard let digit = Hex.nibble(byte) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}
