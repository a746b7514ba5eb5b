import Foundation
import Testing

/// The README is the front door: every YAML example in it and in the adapters' READMEs must pass
/// `switchboard check` as written (environment variables filled with plausible values).
@Suite("README examples", .timeLimit(.minutes(5)))
struct ReadmeConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static var examples: [String] {
        let files = ["README.md"] + ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Adapters").path)) ?? [])
            .sorted().map { "Adapters/\($0)/README.md" }
        var found: [String] = []
        for file in files {
            guard let text = try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8) else { continue }
            for (index, block) in text.components(separatedBy: "```yaml\n").dropFirst().enumerated() {
                guard let end = block.range(of: "```") else { continue }
                found.append("\(file)#\(index + 1)\n" + block[..<end.lowerBound])
            }
        }
        return found
    }

    /// A list that went empty (a README moved, a fence renamed) would pass the test below unseen.
    @Test func theExamplesAreFound() {
        let byFile = Dictionary(grouping: Self.examples) { String($0.prefix { $0 != "#" }) }.mapValues(\.count)
        #expect(byFile["README.md", default: 0] >= 8, "\(byFile)")
        for adapter in ["DingTalk", "Feishu", "WeCom"] {
            #expect(byFile["Adapters/\(adapter)/README.md", default: 0] >= 2, "\(byFile)")
        }
    }

    @Test("passes switchboard check", arguments: examples)
    func example(_ example: String) async throws {
        let name = String(example.prefix { $0 != "\n" })
        let yaml = String(example.drop { $0 != "\n" }.dropFirst())
        let directory = try scratchDirectory()
        try yaml.write(to: directory.appendingPathComponent("example.yaml"), atomically: true, encoding: .utf8)
        var environment: [String: String] = [:]
        for variable in Self.variables(in: yaml) {
            environment[variable] =
                if variable.hasSuffix("AES_KEY") { "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g" }
                else if variable.hasSuffix("_URL") { "https://example.com/hook" }
                else if variable.hasPrefix("DINGTALK_ROBOT") { "SECplaceholder0123456789" }  // 加签 secrets start with SEC
                else { "placeholder-value-0123456789" }
        }
        let output = try await CLIProcess.runAsync(["check", "--config", "example.yaml"], in: directory, environment: environment)
        #expect(output.status == 0, "\(name): \(output.stderr)")
    }

    static func variables(in yaml: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(yaml)
        while let start = rest.range(of: "${") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "}") else { break }
            names.insert(String(rest[..<end]))
            rest = rest[end...]
        }
        return names
    }
}
