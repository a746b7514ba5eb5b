/// One backend answer, rendered for one platform: parsed, lowered to the target's dialect, split
/// to its budget, with the sources footer. The entry point adapters use.
public enum ReplyRenderer {
    public static func render(_ reply: Reply, for target: RenderTarget, options: RenderOptions = RenderOptions()) -> [RenderedPart] {
        let document = MarkdownParser.parse(reply.markdown)
        let footer = ReplyFooter.blocks(citations: reply.citations, suggestions: reply.suggestions, files: reply.files, options: options)
        return render(blocks: prepare(document.blocks, options: options), footer: footer, target: target)
    }

    public static func render(markdown: String, for target: RenderTarget, options: RenderOptions = RenderOptions()) -> [RenderedPart] {
        render(Reply(markdown: markdown), for: target, options: options)
    }

    /// An answer still being written, made safe to show: see ``StreamingMarkdown``.
    public static func renderPartial(_ markdown: String, for target: RenderTarget, options: RenderOptions = RenderOptions()) -> [RenderedPart] {
        render(markdown: StreamingMarkdown.displayable(markdown), for: target, options: options)
    }

    static func render(blocks: [MarkdownBlock], footer: [MarkdownBlock], target: RenderTarget) -> [RenderedPart] {
        ReplySplitter(target: target).split(blocks, footer: footer).map { part in
            RenderedPart(text: part.text, size: target.size(of: part.text), blocks: part.blocks)
        }
    }

    /// `<think>` sections are dropped, or shown as a quote that starts with 💭.
    static func prepare(_ blocks: [MarkdownBlock], options: RenderOptions) -> [MarkdownBlock] {
        blocks.compactMap { block in
            guard case .thinking(var inner) = block else { return block }
            guard options.showThinking else { return nil }
            if case .paragraph(let inlines) = inner.first {
                inner[0] = .paragraph([.text("💭 ")] + inlines)
            } else {
                inner.insert(.paragraph([.text("💭")]), at: 0)
            }
            return .quote(inner)
        }
    }
}

public struct RenderOptions: Sendable {
    /// Show a model's `<think>` reasoning (as a quote) instead of dropping it.
    public var showThinking = false
    /// At most this many sources in the footer.
    public var maxSources = 5
    /// At most this many suggested follow-up questions in the footer.
    public var maxSuggestions = 3

    public init(showThinking: Bool = false) {
        self.showThinking = showThinking
    }
}

/// One message of a rendered answer.
public struct RenderedPart: Sendable, Equatable {
    /// The text to send, in the target's dialect (for Feishu `post`, the post JSON).
    public var text: String
    /// Its size as the target counts it; never more than the target's budget.
    public var size: Int
    /// What it shows, as blocks (the label and footer included).
    public var blocks: [MarkdownBlock]
}

extension ReplyStream {
    /// Reads the whole answer while showing it as it grows: when `throttle` allows an update (by
    /// the answer's growth and the time since the last), the answer so far is rendered for `target`
    /// (the first part, as ``ReplyRenderer/renderPartial(_:for:options:)`` renders it, by a
    /// ``PartialRenderer`` that does not redo settled text) and passed to `update` if it changed.
    /// Nothing is rendered between updates. Returns the finished answer; throws
    /// ``ReplyIncomplete`` when the stream ends without `.end`. For platforms that update a message
    /// in place (Feishu cards, WeCom AI-bot streams).
    public func collect(
        showingPartialsFor target: RenderTarget, throttle: StreamThrottle, _ update: (String) async throws -> Void
    ) async throws -> Reply {
        var partial = PartialRenderer(target: target)
        return try await collect(showingPartialsWith: &partial, throttle: throttle, update)
    }

    /// ``collect(showingPartialsFor:throttle:_:)`` with the renderer given (tests count its renders).
    func collect(
        showingPartialsWith partial: inout PartialRenderer, throttle: StreamThrottle, _ update: (String) async throws -> Void
    ) async throws -> Reply {
        var answer = Reply()
        var throttle = throttle
        var shown = ""
        var ended = false
        for try await chunk in self {
            answer.apply(chunk)
            switch chunk {
            case .end:
                ended = true
            case .delta, .replace:
                if case .replace = chunk {
                    partial.reset()
                    throttle.answerReplaced()
                }
                guard throttle.shouldUpdate(length: answer.markdown.utf8.count, at: .now, isFinal: false) else { continue }
                let text = partial.render(answer.markdown)
                if !text.isEmpty, text != shown {
                    try await update(text)
                    shown = text
                }
            default:
                break
            }
        }
        guard ended else { throw ReplyIncomplete() }
        return answer
    }
}
