public import Foundation

/// Encoding and decoding of the Event JSON, the public wire form of ``ChatEvent``.
public enum EventJSON {
    /// Encodes with sorted keys so that output is stable (golden files, diffs); `pretty` adds
    /// indentation for people.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }

    /// Decodes either one Event JSON object or an array of them.
    public static func decodeEvents(from data: Data) throws -> [ChatEvent] {
        let decoder = JSONDecoder()
        if let first = data.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }), first == UInt8(ascii: "[") {
            return try decoder.decode([ChatEvent].self, from: data)
        }
        return [try decoder.decode(ChatEvent.self, from: data)]
    }
}
