import Foundation

/// The file name in a download's `Content-Disposition`: `filename*=UTF-8''<percent-encoded>`
/// (RFC 6266, preferred) or `filename="…"`.
public enum ContentDisposition {
    public static func fileName(_ header: String) -> String? {
        var plain: String?
        for parameter in header.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let lower = parameter.lowercased()
            if lower.hasPrefix("filename*=") {
                let value = parameter.dropFirst("filename*=".count)
                // charset'language'value
                let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if pieces.count == 3, let decoded = String(pieces[2]).removingPercentEncoding, !decoded.isEmpty { return sanitized(decoded) }
            } else if lower.hasPrefix("filename=") {
                let value = parameter.dropFirst("filename=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if !value.isEmpty { plain = sanitized(value) }
            }
        }
        return plain
    }

    /// No folders: only the last path component is kept.
    static func sanitized(_ name: String) -> String? {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return last.isEmpty || last == "." || last == ".." ? nil : last
    }
}
