import Foundation

extension ConfigSection {
    /// A size in bytes written as `15MB`, `512KB`, `1GB` or a bare number of bytes (units are
    /// powers of 1024; `MiB` and `M` read the same).
    public func byteSize(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let node = value(key) else { return defaultValue }
        guard let text = node.scalar, let size = Self.parseSize(text) else {
            throw node.error("must be a size like 15MB, 512KB or a number of bytes")
        }
        guard range.contains(size) else { throw node.error("must be between \(range.lowerBound) and \(range.upperBound) bytes") }
        return size
    }

    static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = trimmed.prefix { $0.isNumber }
        guard let number = Int(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let multiplier: Int? = switch unit {
        case "", "B": 1
        case "K", "KB", "KIB": 1 << 10
        case "M", "MB", "MIB": 1 << 20
        case "G", "GB", "GIB": 1 << 30
        default: nil
        }
        guard let multiplier, number <= Int.max / multiplier else { return nil }
        return number * multiplier
    }
}
