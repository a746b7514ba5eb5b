/// Any JSON value — for the parts of platform and backend payloads whose shape is open (Dify
/// `inputs` and workflow `outputs`, a bot's config in a fixture's `keys.json`).
public enum JSONValue: Codable, Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Double.self) {
            self = .number(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let value): try c.encode(value)
        case .number(let value): try c.encode(value)
        case .string(let value): try c.encode(value)
        case .array(let value): try c.encode(value)
        case .object(let value): try c.encode(value)
        }
    }

    /// The string, when this is one.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The members, when this is an object.
    public var object: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The number as an exact integer, when it is one that `Int` holds (a platform's errcode, a
    /// time in seconds); nil for anything else — never a trap on an absurd value.
    public var integer: Int? {
        guard case .number(let value) = self, value.isFinite, value.rounded() == value, abs(value) < 9.0e18 else { return nil }
        return Int(value)
    }

    /// The array, when this is one.
    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// A member of an object; nil for a missing key or when this is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value as configuration, the way YAML would give it (scalars as text).
    public func configNode(path: String, file: String?) -> ConfigNode {
        let parent = ConfigNode(.null, path: path, file: file)
        switch self {
        case .null: return parent
        case .bool(let value): return ConfigNode(.scalar(String(value)), path: path, file: file)
        case .number(let value):
            let text = value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            return ConfigNode(.scalar(text), path: path, file: file)
        case .string(let value): return ConfigNode(.scalar(value), path: path, file: file)
        case .array(let items):
            return ConfigNode(.list(items.enumerated().map { $1.configNode(path: parent.childPath(index: $0), file: file) }), path: path, file: file)
        case .object(let entries):
            let sorted = entries.sorted { $0.key < $1.key }
            return ConfigNode(.map(sorted.map { ($0.key, $0.value.configNode(path: parent.childPath($0.key), file: file)) }), path: path, file: file)
        }
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements) { _, last in last })
    }

    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }

    public init(integerLiteral value: Int) {
        self = .number(Double(value))
    }
}
