/// Makes inputs from seeds the way real traffic goes wrong and attackers probe: bit flips, cut
/// bodies, spliced ones, and — for the JSON and XML platforms send — duplicated keys, huge
/// numbers, deep nesting, invalid UTF-8 and lone surrogates in `\u` escapes.
public enum Mutator {
    /// One mutation of `input` (one to three edits), `corpus` giving material to splice.
    public static func mutate(_ input: [UInt8], corpus: [[UInt8]], using random: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            bytes = edit(bytes, corpus: corpus, using: &random)
        }
        return bytes
    }

    /// Random bytes, up to `maxLength`, sometimes printable.
    public static func randomBytes(maxLength: Int = 512, using random: inout FuzzRandom) -> [UInt8] {
        let count = Int.random(in: 0...maxLength, using: &random)
        if Bool.random(using: &random) {
            let printable = Array(#" {}[]":,0123456789abcdefxyz<>/!?-=\"#.utf8)
            return (0..<count).map { _ in printable.randomElement(using: &random)! }
        }
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    static let interesting: [[UInt8]] = [
        "1e999999", "-1e999999", "123456789012345678901234567890123456789", "-0", "0.0000000000000000000001", "NaN", "Infinity",
        "\\ud800", "\\udfff", "\\ud83d\\u0041", "\\u0000", "\\\"", "\\", "null", "true", "\"\"", "{}", "[]",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "&e;", "&amp;", "&#0;", "&#x110000;", "<![CDATA[", "]]>", "<?x?>", "</xml>",
        "\r\n", "\r", "\n\n", "data:", "event:", ":", "\u{2028}", "%00", "+", "=",
    ].map { Array($0.utf8) }

    private static func edit(_ bytes: [UInt8], corpus: [[UInt8]], using random: inout FuzzRandom) -> [UInt8] {
        var bytes = bytes
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<12, using: &random) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case 1 where !bytes.isEmpty:
            bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 2:
            bytes = Array(bytes.prefix(position))  // cut short
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...64, using: &random))
            bytes.removeSubrange(position..<end)
        case 4:
            bytes.insert(contentsOf: interesting.randomElement(using: &random)!, at: position)
        case 5:
            // Splice: this input's head, another's tail.
            let other = corpus.randomElement(using: &random) ?? []
            let cut = other.isEmpty ? 0 : Int.random(in: 0..<other.count, using: &random)
            bytes = Array(bytes.prefix(position)) + other[cut...]
        case 6 where !bytes.isEmpty:
            // Duplicate a slice (a repeated key, element or field).
            let end = min(bytes.count, position + Int.random(in: 1...80, using: &random))
            bytes.insert(contentsOf: bytes[position..<end], at: end)
        case 7:
            // A JSON key repeated after the first brace.
            if let brace = bytes.firstIndex(of: UInt8(ascii: "{")) {
                bytes.insert(contentsOf: Array(#""msgtype":"x","encrypt":"AAAA","#.utf8), at: brace + 1)
            }
        case 8:
            let depth = Int.random(in: 100...2_000, using: &random)
            let open = Bool.random(using: &random) ? UInt8(ascii: "[") : UInt8(ascii: "{")
            bytes.insert(contentsOf: [UInt8](repeating: open, count: depth), at: position)
        case 9:
            // Invalid UTF-8: a lone continuation byte, an overlong form, a cut sequence.
            bytes.insert(contentsOf: [[0x80], [0xC0, 0xAF], [0xE4, 0xB8], [0xFF, 0xFE], [0xED, 0xA0, 0x80]].randomElement(using: &random)!, at: position)
        case 10:
            // A digit run grown huge.
            if let digit = bytes.indices.first(where: { $0 >= position && bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) {
                bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "9"), count: Int.random(in: 20...400, using: &random)), at: digit)
            }
        default:
            bytes.insert(contentsOf: randomBytes(maxLength: 16, using: &random), at: position)
        }
        return bytes
    }
}
