/// A parsed configuration value with the key path it was found at, so that every error can name
/// its key. The server builds these from YAML (after `${ENV}` expansion); core and plugins read
/// them through ``ConfigSection`` without knowing the file format.
public struct ConfigNode: Sendable {
    public enum Value: Sendable {
        case null
        case scalar(String)
        case list([ConfigNode])
        case map([(key: String, node: ConfigNode)])
    }

    public var value: Value
    /// Where the value sits, e.g. `bots.feishu-main.app_id` or `routes[2].when.keywords`.
    public var path: String
    /// The file it came from, when it came from one.
    public var file: String?

    public init(_ value: Value, path: String = "", file: String? = nil) {
        self.value = value
        self.path = path
        self.file = file
    }

    /// The path of a key inside this node.
    public func childPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The path of an element inside this node.
    public func childPath(index: Int) -> String {
        "\(path)[\(index)]"
    }

    /// An error about this value.
    public func error(_ reason: String) -> ConfigError {
        ConfigError(file: file, key: path, reason: reason)
    }

    /// The scalar text, or nil for other kinds.
    public var scalar: String? {
        if case .scalar(let text) = value { return text }
        return nil
    }

    var kindName: String {
        switch value {
        case .null: "empty"
        case .scalar: "a single value"
        case .list: "a list"
        case .map: "a mapping"
        }
    }
}

/// A configuration problem, said in one line: the file, the key, and what is wrong. It never
/// contains the value (which may be a secret).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var key: String
    public var reason: String

    public init(file: String?, key: String, reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        [file, key.isEmpty ? nil : key, reason].compactMap { $0 }.joined(separator: ": ")
    }
}
