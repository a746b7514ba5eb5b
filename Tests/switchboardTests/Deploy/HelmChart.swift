import Crypto
import Foundation
import Yams

/// `deploy/helm/switchboard` rendered the way `helm template` would, for the constructs the chart
/// uses — and only those: a template expression it does not know fails the test, so the chart
/// stays within what this stand-in checks. (Helm itself is not installable on the CI machines.)
struct HelmChart {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized
    static let directory = root.appendingPathComponent("deploy/helm/switchboard")
    static let release = "demo"

    let values: [String: Any]
    let name: String

    static func load() throws -> HelmChart {
        let text = try String(contentsOf: directory.appendingPathComponent("values.yaml"), encoding: .utf8)
        guard let values = try Yams.load(yaml: text) as? [String: Any] else { throw CLIError("values.yaml is not a mapping") }
        let chart = try Yams.load(yaml: String(contentsOf: directory.appendingPathComponent("Chart.yaml"), encoding: .utf8)) as? [String: Any]
        guard let name = chart?["name"] as? String else { throw CLIError("Chart.yaml has no name") }
        return HelmChart(values: values, name: name)
    }

    var fullName: String { "\(Self.release)-\(name)" }

    /// Every template, rendered with `overrides` on top of values.yaml, parsed as YAML; templates
    /// switched off by an `if` are left out.
    func render(_ overrides: [String: Any] = [:]) throws -> [String: [String: Any]] {
        var documents: [String: [String: Any]] = [:]
        let templates = try FileManager.default.contentsOfDirectory(atPath: Self.directory.appendingPathComponent("templates").path)
        for file in templates.sorted() where file.hasSuffix(".yaml") {
            let source = try String(contentsOf: Self.directory.appendingPathComponent("templates/\(file)"), encoding: .utf8)
            let text = try render(source, values: merged(values, overrides), file: file)
            guard let document = try Yams.load(yaml: text) else { continue }
            guard let mapping = document as? [String: Any] else { throw CLIError("\(file) does not render to a mapping:\n\(text)") }
            documents[file] = mapping
        }
        return documents
    }

    /// The metric names the PrometheusRule's expressions use.
    func alertMetricNames() throws -> Set<String> {
        let rendered = try render(["prometheusRule": ["enabled": true]])
        guard let spec = rendered["prometheusrule.yaml"]?["spec"] as? [String: Any], let groups = spec["groups"] as? [[String: Any]] else {
            throw CLIError("prometheusrule.yaml has no spec.groups")
        }
        var names: Set<String> = []
        let pattern = try NSRegularExpression(pattern: #"\b((?:switchboard|process)_[a-z_]+)\b"#)
        for rule in groups.flatMap({ ($0["rules"] as? [[String: Any]]) ?? [] }) {
            let expr = rule["expr"] as? String ?? ""
            for match in pattern.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                names.insert(String(expr[Range(match.range(at: 1), in: expr)!]))
            }
        }
        return names
    }

    // MARK: Rendering

    private func render(_ source: String, values: [String: Any], file: String) throws -> String {
        var output = ""
        var skipping = false
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            var text = rest[..<open.lowerBound]
            var inner = rest[open.upperBound...]
            // A string literal may hold braces of its own (`{{ "{{ $labels.bot }}" }}`).
            var searchFrom = inner.startIndex
            if let quote = inner.firstIndex(where: { !$0.isWhitespace }), inner[quote] == "\"" {
                guard let end = inner[inner.index(after: quote)...].firstIndex(of: "\"") else { throw CLIError("\(file): unclosed string") }
                searchFrom = end
            }
            guard let close = inner[searchFrom...].range(of: "}}") else { throw CLIError("\(file): unclosed {{") }
            var expression = String(inner[..<close.lowerBound])
            inner = inner[close.upperBound...]
            // `{{-` trims the whitespace before, `-}}` after (newlines included), as Helm does.
            if expression.hasPrefix("-") {
                expression.removeFirst()
                while let last = text.last, last.isWhitespace { text.removeLast() }
            }
            if expression.hasSuffix("-") {
                expression.removeLast()
                while let first = inner.first, first.isWhitespace { inner.removeFirst() }
            }
            if !skipping { output += text }
            let trimmed = expression.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("if ") {
                skipping = !(truthy(try lookup(String(trimmed.dropFirst(3)), in: values)))
            } else if trimmed == "end" {
                skipping = false
            } else if !skipping {
                output += try evaluate(trimmed, values: values, file: file)
            }
            rest = inner
        }
        if !skipping { output += rest }
        return output
    }

    private func evaluate(_ expression: String, values: [String: Any], file: String) throws -> String {
        if expression.hasPrefix("\""), expression.hasSuffix("\""), expression.count >= 2 {
            return String(expression.dropFirst().dropLast())  // a literal: `{{ "{{ $labels.bot }}" }}`
        }
        var stages = expression.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        var value: Any = try source(stages.removeFirst(), values: values, file: file)
        for stage in stages {
            let words = stage.split(separator: " ")
            switch words.first {
            case "quote": value = "\"\(scalar(value))\""
            case "sha256sum": value = SHA256.hash(data: Data(scalar(value).utf8)).map { String(format: "%02x", $0) }.joined()
            case "nindent":
                guard words.count == 2, let width = Int(words[1]) else { throw CLIError("\(file): bad nindent in {{ \(expression) }}") }
                let pad = String(repeating: " ", count: width)
                value = "\n" + scalar(value).split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
            default: throw CLIError("\(file): {{ \(expression) }}: this stand-in for helm does not know `\(stage)`")
            }
        }
        return scalar(value)
    }

    private func source(_ text: String, values: [String: Any], file: String) throws -> Any {
        if text.hasPrefix(".Values.") { return try lookup(text, in: values) }
        if text == ".Chart.Name" { return name }
        if text == ".Release.Name" { return Self.release }
        if text.hasPrefix("toYaml ") {
            let dumped = try Yams.dump(object: try lookup(String(text.dropFirst("toYaml ".count)), in: values))
            return dumped.hasSuffix("\n") ? String(dumped.dropLast()) : dumped
        }
        switch text {
        case #"include "switchboard.fullname" ."#: return fullName
        case #"include "switchboard.selector" ."#:
            return "app.kubernetes.io/name: \(name)\napp.kubernetes.io/instance: \(Self.release)"
        case #"include "switchboard.labels" ."#:
            return "app.kubernetes.io/name: \(name)\napp.kubernetes.io/instance: \(Self.release)\napp.kubernetes.io/version: \"0.1.0\""
        default: throw CLIError("\(file): {{ \(text) }}: this stand-in for helm does not know it")
        }
    }

    private func lookup(_ path: String, in values: [String: Any]) throws -> Any {
        guard path.hasPrefix(".Values.") else { throw CLIError("not a values path: \(path)") }
        var current: Any = values
        for key in path.dropFirst(".Values.".count).split(separator: ".") {
            guard let next = (current as? [String: Any])?[String(key)] else { throw CLIError("values.yaml has no \(path)") }
            current = next
        }
        return current
    }

    private func truthy(_ value: Any) -> Bool {
        (value as? Bool) ?? false
    }

    private func scalar(_ value: Any) -> String {
        if let text = value as? String { return text }
        if let bool = value as? Bool { return bool ? "true" : "false" }
        return "\(value)"
    }

    private func merged(_ base: [String: Any], _ overrides: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in overrides {
            if let nested = value as? [String: Any], let existing = result[key] as? [String: Any] {
                result[key] = merged(existing, nested)
            } else {
                result[key] = value
            }
        }
        return result
    }
}
