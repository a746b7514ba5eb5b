public import Foundation
import Synchronization

/// Typed, key-checked reading of one mapping in the configuration (a bot, a backend, a route).
///
/// Every accessor throws a ``ConfigError`` that names the key and the reason, never the value.
/// The section remembers which keys were asked for, so that after a factory has read what it
/// understands, ``rejectUnknownKeys()`` can report a misspelt key (`app_secert`) instead of
/// silently ignoring it.
public final class ConfigSection: Sendable {
    public let node: ConfigNode
    private let entries: [(key: String, node: ConfigNode)]
    private let askedKeys = Mutex<Set<String>>([])

    /// Wraps a mapping node; an empty node is an empty mapping.
    public init(_ node: ConfigNode) throws {
        self.node = node
        switch node.value {
        case .map(let entries): self.entries = entries
        case .null: self.entries = []
        default: throw node.error("must be a mapping of keys to values, not \(node.kindName)")
        }
    }

    /// An empty section at `path`, for defaults.
    public static func empty(path: String = "") -> ConfigSection {
        // An empty mapping is always a mapping.
        try! ConfigSection(ConfigNode(.map([]), path: path))
    }

    public var path: String { node.path }

    /// The raw node at `key`; marks the key as understood.
    public func value(_ key: String) -> ConfigNode? {
        askedKeys.withLock { _ = $0.insert(key) }
        guard let node = entries.first(where: { $0.key == key })?.node else { return nil }
        if case .null = node.value { return nil }
        return node
    }

    public func contains(_ key: String) -> Bool {
        value(key) != nil
    }

    /// An error about `key` in this section.
    public func error(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(file: node.file, key: node.childPath(key), reason: reason)
    }

    // MARK: Scalars

    /// A required, non-empty string.
    public func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw error(key, "is required") }
        return value
    }

    public func string(_ key: String, default defaultValue: String) throws -> String {
        try optionalString(key) ?? defaultValue
    }

    /// A string if present; present but empty is an error (an unset secret often looks like that).
    public func optionalString(_ key: String) throws -> String? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalar else { throw node.error("must be a single value, not \(node.kindName)") }
        guard !text.isEmpty else { throw node.error("must not be empty") }
        return text
    }

    public func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        try optionalInt(key, range: range) ?? defaultValue
    }

    public func optionalInt(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalar, let number = Int(text) else { throw node.error("must be a whole number") }
        guard range.contains(number) else {
            throw node.error("must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let node = value(key) else { return defaultValue }
        switch node.scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw node.error("must be true or false")
        }
    }

    /// A duration written as `500ms`, `30s`, `5m`, `24h` or `7d` (a bare number is seconds).
    public func duration(_ key: String, default defaultValue: Duration) throws -> Duration {
        guard let node = value(key) else { return defaultValue }
        guard let text = node.scalar, let duration = DurationText.parse(text) else {
            throw node.error("must be a duration like 500ms, 30s, 5m, 24h or 7d")
        }
        return duration
    }

    /// An absolute `http://` or `https://` URL.
    public func url(_ key: String) throws -> URL {
        guard let url = try optionalURL(key) else { throw error(key, "is required") }
        return url
    }

    public func optionalURL(_ key: String) throws -> URL? {
        guard let text = try optionalString(key) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw error(key, "must be an absolute http:// or https:// URL")
        }
        return url
    }

    /// One value or a list of values, as a list of strings.
    public func stringList(_ key: String) throws -> [String]? {
        guard let node = value(key) else { return nil }
        switch node.value {
        case .scalar(let text): return [text]
        case .list(let items):
            return try items.map { item in
                guard let text = item.scalar else { throw item.error("must be a single value, not \(item.kindName)") }
                return text
            }
        default: throw node.error("must be a value or a list of values")
        }
    }

    // MARK: Nesting

    public func section(_ key: String) throws -> ConfigSection? {
        guard let node = value(key) else { return nil }
        return try ConfigSection(node)
    }

    public func list(_ key: String) throws -> [ConfigNode]? {
        guard let node = value(key) else { return nil }
        guard case .list(let items) = node.value else { throw node.error("must be a list, not \(node.kindName)") }
        return items
    }

    /// Each key of this section with its value read as a mapping (`bots:`, `backends:`).
    public func subsections() throws -> [(key: String, section: ConfigSection)] {
        try entries.map { entry in
            askedKeys.withLock { _ = $0.insert(entry.key) }
            return (entry.key, try ConfigSection(entry.node))
        }
    }

    // MARK: Checking

    /// Throws for the first key nobody asked about, suggesting the closest known key.
    public func rejectUnknownKeys() throws {
        let asked = askedKeys.withLock { $0 }
        for entry in entries where !asked.contains(entry.key) {
            var reason = "unknown key"
            if let suggestion = asked.min(by: { editDistance($0, entry.key) < editDistance($1, entry.key) }),
                editDistance(suggestion, entry.key) <= 2
            {
                reason += " (did you mean \(suggestion)?)"
            }
            throw entry.node.error(reason)
        }
    }
}

/// Durations as written in config files.
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0 else { return nil }
            return .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
        }
        guard let seconds = Double(trimmed), seconds >= 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// Levenshtein distance, for "did you mean" on short keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
