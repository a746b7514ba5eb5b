import Foundation

/// The compact footer under an answer: the files it made (as links, where the adapter does not send
/// them as file messages), its sources (Dify `retriever_resources`), de-duplicated by
/// document and best first, and the follow-up questions the backend suggests. Built as blocks, so
/// every dialect renders it its own way and the splitter counts it like the answer.
enum ReplyFooter {
    static let longestTitle = 60

    static func blocks(citations: [Citation], suggestions: [String], files: [AnswerFile] = [], options: RenderOptions) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = files.map { file in
            .paragraph([.text("📎 "), .link(text: [.text(shortened(file.name))], url: file.url)])
        }
        let sources = distinctSources(citations).prefix(options.maxSources)
        if !sources.isEmpty {
            var inlines: [MarkdownInline] = [.text("📚 ")]
            for (index, source) in sources.enumerated() {
                if index > 0 { inlines.append(.text(" · ")) }
                let title = shortened(source.title)
                if let url = source.url, !url.isEmpty {
                    inlines.append(.link(text: [.text(title)], url: url))
                } else {
                    inlines.append(.text(title))
                }
            }
            blocks.append(.paragraph(inlines))
        }
        let questions = suggestions.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.prefix(options.maxSuggestions)
        if !questions.isEmpty {
            blocks.append(.paragraph([.text("💡 " + questions.map(shortened).joined(separator: " · "))]))
        }
        return blocks
    }

    /// One citation per document (its best score), best first; without scores, in order.
    static func distinctSources(_ citations: [Citation]) -> [Citation] {
        var best: [String: Citation] = [:]
        var order: [String] = []
        for citation in citations {
            let key = citation.title.trimmingWhitespace()
            guard !key.isEmpty else { continue }
            if let existing = best[key] {
                if (citation.score ?? -1) > (existing.score ?? -1) { best[key] = citation }
            } else {
                best[key] = citation
                order.append(key)
            }
        }
        let unique = order.compactMap { best[$0] }
        return unique.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element.score ?? -1, rhs.element.score ?? -1)
            return l != r ? l > r : lhs.offset < rhs.offset
        }.map(\.element)
    }

    private static func shortened(_ text: String) -> String {
        let text = text.trimmingWhitespace().replacingAll("\n", with: " ")
        return text.count <= longestTitle ? text : String(text.prefix(longestTitle - 1)) + "…"
    }
}
