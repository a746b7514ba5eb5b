import Foundation

/// The keys of a JSON object in the order the text has them — which `JSONDecoder` forgets, and
/// which "the first string output of a workflow" depends on (Dify writes outputs in the order of
/// the End node's variables).
enum JSONKeyOrder {
    /// The keys of the object reached by following `path` from the top-level object, or nil when
    /// the text is not valid JSON along the way or the path does not lead to an object.
    static func keys(in data: Data, at path: [String]) -> [String]? {
        var scanner = Scanner(bytes: [UInt8](data))
        return try? scanner.keys(at: path[...])
    }

    private struct Malformed: Error {}

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func keys(at path: ArraySlice<String>) throws -> [String]? {
            skipSpace()
            guard peek() == UInt8(ascii: "{") else { return nil }
            index += 1
            var found: [String] = []
            skipSpace()
            if peek() == UInt8(ascii: "}") { return path.isEmpty ? [] : nil }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(":")
                if let first = path.first, key == first {
                    return try keys(at: path.dropFirst())
                }
                found.append(key)
                try skipValue()
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    index += 1
                } else {
                    try expect("}")
                    return path.isEmpty ? found : nil
                }
            }
        }

        private func peek() -> UInt8? {
            index < bytes.count ? bytes[index] : nil
        }

        private mutating func skipSpace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        private mutating func expect(_ character: Unicode.Scalar) throws {
            guard peek() == UInt8(ascii: character) else { throw Malformed() }
            index += 1
        }

        /// A string, unescaped by the real decoder.
        private mutating func string() throws -> String {
            let start = index
            try skipString()
            return try JSONDecoder().decode(String.self, from: Data(bytes[start..<index]))
        }

        private mutating func skipString() throws {
            try expect("\"")
            while let byte = peek() {
                index += 1
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    return
                }
            }
            throw Malformed()
        }

        /// Any value; nested objects and arrays by depth, strings by their quotes.
        private mutating func skipValue() throws {
            skipSpace()
            var depth = 0
            repeat {
                guard let byte = peek() else { throw Malformed() }
                switch byte {
                case UInt8(ascii: "\""):
                    try skipString()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard depth > 0 else { return }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { return }
                default:
                    break
                }
                index += 1
            } while depth > 0 || !(peek().map { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") || $0 == UInt8(ascii: "]") } ?? true)
        }
    }
}
