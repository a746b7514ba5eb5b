import Foundation

/// WeCom's XML — a root element whose children hold text or CDATA, sometimes one level more
/// (`<ScanCodeInfo><ScanResult>…`) — read into `path ▸ text` (`Content`, `ScanCodeInfo.ScanResult`).
///
/// A strict reader written for this shape rather than a general parser: a document type
/// declaration, an entity declaration, any entity but the five predefined ones and character
/// references, and processing instructions other than the leading `<?xml …?>` are refused. So
/// there is no DTD to read, nothing to expand and no file or URL to open — XXE and "billion
/// laughs" documents fail at their first `<!DOCTYPE` — and the cap on size bounds the work.
/// It is also several times faster than going through libxml2, which matters on the webhook path.
struct WeComXML: Sendable {
    /// Bigger documents are refused before reading (WeCom's are a few KB: text is at most 2048 bytes).
    static let maxBytes = 64 * 1024
    static let maxDepth = 8

    /// `path ▸ text`; the first wins when an element repeats.
    private(set) var fields: [String: String] = [:]

    subscript(path: String) -> String? { fields[path] }

    enum Failure: Error, Equatable, CustomStringConvertible {
        case tooLarge
        case declaration
        case malformed(String)

        var description: String {
            switch self {
            case .tooLarge: "XML larger than \(WeComXML.maxBytes) bytes"
            case .declaration: "XML with a document type or entity declaration is refused"
            case .malformed(let reason): "malformed XML: \(reason)"
            }
        }
    }

    init(_ data: Data) throws(Failure) {
        guard data.count <= Self.maxBytes else { throw .tooLarge }
        var reader = Reader(bytes: [UInt8](data))
        try reader.prolog()
        fields = try reader.root()
    }
}

private struct Reader {
    let bytes: [UInt8]
    var index = 0
    var fields: [String: String] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    typealias Failure = WeComXML.Failure

    // MARK: Structure

    /// Whitespace, `<?xml …?>`, comments; refuses declarations.
    mutating func prolog() throws(Failure) {
        skipSpace()
        if starts("<?xml") {
            guard let end = find("?>") else { throw .malformed("unterminated XML declaration") }
            index = end + 2
        }
        try skipMisc()
    }

    /// Comments and whitespace between elements; `<!DOCTYPE`/`<!ENTITY` and processing
    /// instructions are refused here.
    mutating func skipMisc() throws(Failure) {
        while true {
            skipSpace()
            if starts("<!--") {
                guard let end = find("-->") else { throw .malformed("unterminated comment") }
                index = end + 3
            } else if starts("<!"), !starts("<![CDATA[") {
                throw .declaration
            } else if starts("<?") {
                throw .malformed("processing instructions are not allowed")
            } else {
                return
            }
        }
    }

    mutating func root() throws(Failure) -> [String: String] {
        guard peek() == UInt8(ascii: "<") else { throw .malformed("no root element") }
        try element(path: nil, depth: 0)
        try skipMisc()
        guard index == bytes.count else { throw .malformed("content after the root element") }
        return fields
    }

    /// One element starting at `<`; records its text under `path` when it has no child elements.
    mutating func element(path: String?, depth: Int) throws(Failure) {
        guard depth <= WeComXML.maxDepth else { throw .malformed("nested too deeply") }
        index += 1  // <
        let name = try self.name()
        try skipAttributes()
        if starts("/>") {
            index += 2
            if let path, fields[path] == nil { fields[path] = "" }
            return
        }
        guard peek() == UInt8(ascii: ">") else { throw .malformed("bad start tag <\(name)>") }
        index += 1
        var text: [UInt8] = []
        var hasChildren = false
        while true {
            guard index < bytes.count else { throw .malformed("<\(name)> is not closed") }
            if starts("</") {
                index += 2
                guard try self.name() == name else { throw .malformed("</…> does not close <\(name)>") }
                skipSpace()
                guard peek() == UInt8(ascii: ">") else { throw .malformed("bad end tag </\(name)>") }
                index += 1
                break
            } else if starts("<![CDATA[") {
                index += 9
                guard let end = find("]]>") else { throw .malformed("unterminated CDATA") }
                text += bytes[index..<end]
                index = end + 3
            } else if starts("<!--") {
                guard let end = find("-->") else { throw .malformed("unterminated comment") }
                index = end + 3
            } else if starts("<!") {
                throw .declaration
            } else if starts("<?") {
                throw .malformed("processing instructions are not allowed")
            } else if peek() == UInt8(ascii: "<") {
                hasChildren = true
                let childName = try peekName()
                try element(path: path.map { "\($0).\(childName)" } ?? childName, depth: depth + 1)
            } else if peek() == UInt8(ascii: "&") {
                text += try reference()
            } else {
                text.append(bytes[index])
                index += 1
            }
        }
        if let path, !hasChildren, fields[path] == nil {
            fields[path] = String(decoding: text, as: UTF8.self)
        }
    }

    // MARK: Pieces

    mutating func name() throws(Failure) -> String {
        let start = index
        while let byte = peek(), Self.isNameByte(byte) { index += 1 }
        guard index > start else { throw .malformed("expected a name") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    func peekName() throws(Failure) -> String {
        var copy = self
        copy.index += 1
        return try copy.name()
    }

    /// Attributes are not part of WeCom's XML; they are read past (quoted values may hold `>`).
    mutating func skipAttributes() throws(Failure) {
        while true {
            skipSpace()
            guard let byte = peek(), byte != UInt8(ascii: ">"), byte != UInt8(ascii: "/") else { return }
            _ = try name()
            skipSpace()
            guard peek() == UInt8(ascii: "=") else { throw .malformed("attribute without a value") }
            index += 1
            skipSpace()
            guard let quote = peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw .malformed("attribute value without quotes")
            }
            index += 1
            while let byte = peek(), byte != quote {
                guard byte != UInt8(ascii: "<") else { throw .malformed("< in an attribute value") }
                index += 1
            }
            guard peek() == quote else { throw .malformed("unterminated attribute value") }
            index += 1
        }
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#…;` `&#x…;` — nothing else.
    mutating func reference() throws(Failure) -> [UInt8] {
        guard let end = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { throw .malformed("bad entity reference") }
        let body = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
        index = end + 1
        switch body {
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "amp": return [UInt8(ascii: "&")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        default:
            let value: UInt32? =
                if body.hasPrefix("#x") || body.hasPrefix("#X") { UInt32(body.dropFirst(2), radix: 16) } else if body.hasPrefix("#") { UInt32(body.dropFirst()) } else { nil }
            guard let value, let scalar = Unicode.Scalar(value), value != 0 else {
                throw .malformed("entity &\(body); is not one of XML's own (custom entities are refused)")
            }
            return Array(String(Character(scalar)).utf8)
        }
    }

    func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    func starts(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { buffer in
            guard index + buffer.count <= bytes.count else { return false }
            for offset in 0..<buffer.count where bytes[index + offset] != buffer[offset] { return false }
            return true
        }
    }

    /// The index where `literal` next starts, from the current position.
    func find(_ literal: StaticString) -> Int? {
        var copy = self
        while copy.index < bytes.count {
            if copy.starts(literal) { return copy.index }
            copy.index += 1
        }
        return nil
    }

    mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), 0x80...0xFF:
            true
        default:
            false
        }
    }
}
