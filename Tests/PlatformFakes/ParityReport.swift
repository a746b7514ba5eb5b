package import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the official SDK and Switchboard each sent for the same thing, compared field by field, for
/// one section of docs/parity.md. A difference fails the test unless `allowed` explains it.
///
/// The document is the tests' output: `SWITCHBOARD_WRITE_PARITY=1 swift test --filter Parity`
/// rewrites each section; without it a section that differs from what the test found fails the
/// test, so CI keeps the page current.
package struct ParityReport: Sendable {
    package struct Item: Sendable, Equatable {
        package var item: String
        package var sdk: String
        package var switchboard: String
        package var why: String?

        package var same: Bool { sdk == switchboard }
    }

    /// The section's key in the document (`<!-- parity:KEY -->`).
    package let key: String
    package let title: String
    /// Item ▸ why a difference there is right (or harmless).
    package let allowed: [String: String]
    package private(set) var items: [Item] = []

    package init(key: String, title: String, allowed: [String: String] = [:]) {
        self.key = key
        self.title = title
        self.allowed = allowed
    }

    package mutating func compare(_ item: String, sdk: String, switchboard: String) {
        items.append(Item(item: item, sdk: sdk, switchboard: switchboard, why: sdk == switchboard ? nil : allowed[item]))
    }

    /// Differences nobody explained.
    package var unexplained: [Item] { items.filter { !$0.same && $0.why == nil } }

    package var markdown: String {
        var lines = ["### \(title)", "", "| item | official SDK | Switchboard | same? |", "|---|---|---|---|"]
        for item in items {
            let verdict = item.same ? "same" : "differs: \(item.why ?? "**unexplained**")"
            lines.append("| \(Self.cell(item.item)) | \(Self.cell(item.sdk)) | \(Self.cell(item.switchboard)) | \(Self.cell(verdict)) |")
        }
        return lines.joined(separator: "\n")
    }

    private static func cell(_ text: String) -> String {
        text.isEmpty ? "—" : text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// The page's path.
    package static var document: URL { OfficialSDK.root.appendingPathComponent("docs/parity.md") }

    /// Compares this section with the one in docs/parity.md — or, with SWITCHBOARD_WRITE_PARITY=1,
    /// writes it there. Returns what is wrong, or nil.
    package func checkDocument() throws -> String? {
        let begin = "<!-- parity:\(key) -->"
        let end = "<!-- /parity:\(key) -->"
        let block = begin + "\n" + markdown + "\n" + end
        return try Self.withLockedDocument { text in
            let current = text.range(of: begin).flatMap { start in text.range(of: end, range: start.upperBound..<text.endIndex).map { start.lowerBound..<$0.upperBound } }
            if ProcessInfo.processInfo.environment["SWITCHBOARD_WRITE_PARITY"] == "1" {
                if let current { text.replaceSubrange(current, with: block) } else { text += "\n" + block + "\n" }
                return nil
            }
            guard let current else { return "docs/parity.md has no section \(key); run SWITCHBOARD_WRITE_PARITY=1 swift test --filter Parity" }
            guard String(text[current]) == block else {
                return "docs/parity.md's section \(key) is not what the test found; run SWITCHBOARD_WRITE_PARITY=1 swift test --filter Parity and commit it. Found:\n\(block)"
            }
            return nil
        }
    }

    /// Reads and (when `body` changed it) writes the document under a lock: parity tests run in
    /// parallel.
    private static func withLockedDocument<T>(_ body: (inout String) throws -> T) throws -> T {
        let lockPath = OfficialSDK.root.appendingPathComponent(".build/parity.lock").path
        let fd = open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw SDKUnavailable("cannot open \(lockPath)") }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        let original = (try? String(contentsOf: document, encoding: .utf8)) ?? ""
        var text = original
        let result = try body(&text)
        if text != original { try text.write(to: document, atomically: true, encoding: .utf8) }
        return result
    }
}
