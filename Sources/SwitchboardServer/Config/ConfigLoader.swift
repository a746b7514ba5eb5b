import Foundation
public import SwitchboardCore
import Yams

/// Reads YAML configuration into ``ConfigNode``s, expanding `${ENV}` in every value. Errors name the
/// file, the key (or line) and the reason, and never quote the text — it may hold a secret.
public struct ConfigLoader: Sendable {
    public var environment: [String: String]

    /// `environment` defaults to the process environment.
    public init(environment: [String: String]? = nil) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
    }

    public func load(file path: String) throws -> ConfigNode {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, key: "", reason: "cannot read the file (\(Self.describe(error)))")
        }
        return try load(yaml: text, file: path)
    }

    public func load(yaml text: String, file: String?) throws -> ConfigNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, key: "", reason: Self.describe(error))
        }
        guard let root else { return ConfigNode(.map([]), path: "", file: file) }
        return try convert(root, path: "", file: file)
    }

    private func convert(_ node: Node, path: String, file: String?) throws -> ConfigNode {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, node.null != nil { return ConfigNode(.null, path: path, file: file) }
            do {
                return ConfigNode(.scalar(try EnvironmentExpansion(environment: environment).expand(scalar.string)), path: path, file: file)
            } catch {
                throw ConfigError(file: file, key: path, reason: error.reason)
            }
        case .sequence(let sequence):
            let parent = ConfigNode(.null, path: path, file: file)
            let items = try sequence.enumerated().map { index, item in
                try convert(item, path: parent.childPath(index: index), file: file)
            }
            return ConfigNode(.list(items), path: path, file: file)
        case .mapping(let mapping):
            let parent = ConfigNode(.null, path: path, file: file)
            // Yams refuses duplicate keys while composing.
            var entries: [(key: String, node: ConfigNode)] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let key) = keyNode else {
                    throw ConfigError(file: file, key: path, reason: "keys must be plain words")
                }
                entries.append((key.string, try convert(valueNode, path: parent.childPath(key.string), file: file)))
            }
            return ConfigNode(.map(entries), path: path, file: file)
        case .alias:
            throw ConfigError(file: file, key: path, reason: "YAML aliases are not supported; write the value out")
        }
    }

    /// A YAML error as line, column and problem — without the snippet of the offending line, which
    /// could show a secret.
    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "YAML syntax error at line \(mark.line), column \(mark.column): \(problem)"
        case .reader(let problem, _, _, _):
            return "cannot read YAML: \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "key \(duplicates.joined(separator: ", ")) appears twice (line \(context.mark.line))"
        default:
            return "invalid YAML"
        }
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoPermissionError { return "permission denied" }
        return "unreadable"
    }
}
