/// The pictures an answer names as Markdown images with a web URL (`![alt](https://…)`, as Dify's
/// `message_file` arrive), for adapters that upload them to their platform.
public enum MarkdownImages {
    /// A Regex is not Sendable, so it is made where it is used.
    static var pattern: Regex<(Substring, Substring)> { /!\[[^\]\n]*\]\((https?:\/\/[^)\s]+)\)/ }

    /// The URLs in order of first appearance, each once.
    public static func urls(in markdown: String) -> [String] {
        var seen: Set<String> = []
        return markdown.matches(of: pattern).map { String($0.output.1) }.filter { seen.insert($0).inserted }
    }

    /// `markdown` with each image whose URL `replacement` maps to something pointing there instead
    /// (an uploaded image's key); the others left as they are.
    public static func replacing(in markdown: String, _ replacement: [String: String]) -> String {
        markdown.replacing(pattern) { match in
            let whole = String(match.output.0)
            guard let key = replacement[String(match.output.1)] else { return whole }
            return whole.replacingOccurrences(of: "(\(match.output.1))", with: "(\(key))")
        }
    }

    /// `markdown` without the images whose URL is in `urls` (sent some other way), and without the
    /// blank lines they leave.
    public static func removing(_ urls: Set<String>, from markdown: String) -> String {
        guard !urls.isEmpty else { return markdown }
        let removed = markdown.replacing(pattern) { match in
            urls.contains(String(match.output.1)) ? "" : String(match.output.0)
        }
        return removed.replacing(/\n{3,}/, with: "\n\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// How much of one answer's media is fetched to be uploaded: an answer can be steered by whoever
/// talks to the bot ("reply with these 500 pictures"), so the fetches it causes are bounded. What
/// is past the bound stays a link.
public enum AnswerMedia {
    public static let maxPictures = 10
    public static let maxFiles = 10
}
