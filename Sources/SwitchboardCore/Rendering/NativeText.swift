/// String helpers that stay in the standard library: Foundation's trimming, searching and
/// replacing bridge through NSString on Linux and dominated the renderer's profile.
extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(self[first...last])
    }

    /// Without leading and trailing whitespace of any kind. Public for adapters, which trim
    /// message text on every webhook.
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }

    /// The range of an ASCII `needle`, ignoring ASCII case.
    func rangeIgnoringASCIICase(of needle: String) -> Range<Index>? {
        let pattern = Array(needle.utf8).map(Self.lowercased)
        guard let head = pattern.first else { return nil }
        let bytes = utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if Self.lowercased(bytes[index]) == head {
                var probe = index
                var matched = 0
                while matched < pattern.count, probe != bytes.endIndex, Self.lowercased(bytes[probe]) == pattern[matched] {
                    matched += 1
                    probe = bytes.index(after: probe)
                }
                // An ASCII needle starts and ends on character boundaries.
                if matched == pattern.count { return index..<probe }
            }
            index = bytes.index(after: index)
        }
        return nil
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }
}

extension String {
    /// Every `target` replaced, without leaving the standard library.
    func replacingAll(_ target: String, with replacement: String) -> String {
        containsBytes(of: target) ? replacing(target, with: replacement) : self
    }

    /// Whether the UTF-8 bytes of `needle` occur in the string: a plain loop, faster than the
    /// generic searchers for the short needles the renderer looks for.
    func containsBytes(of needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard let head = pattern.first else { return true }
        var copy = self
        return copy.withUTF8 { bytes in
            guard bytes.count >= pattern.count else { return false }
            var index = 0
            while index <= bytes.count - pattern.count {
                if bytes[index] == head {
                    var matched = 1
                    while matched < pattern.count, bytes[index + matched] == pattern[matched] { matched += 1 }
                    if matched == pattern.count { return true }
                }
                index += 1
            }
            return false
        }
    }

    /// The lines, split at `\n` on the bytes.
    var lineSlices: [Substring] {
        var lines: [Substring] = []
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == 0x0A {
                lines.append(self[start..<index])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        lines.append(self[start..<utf8.endIndex])
        return lines
    }

    /// The first byte after leading spaces and tabs, if any.
    var firstNonBlankByte: UInt8? {
        utf8.first { $0 != 0x20 && $0 != 0x09 }
    }
}

extension Unicode.Scalar {
    var isSpaceLike: Bool { properties.isWhitespace }

    var isPunctuationOrSymbol: Bool {
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
            .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            true
        default:
            false
        }
    }

    var isASCIILetterOrDigit: Bool {
        isASCII && (properties.isAlphabetic || ("0"..."9").contains(self))
    }
}
