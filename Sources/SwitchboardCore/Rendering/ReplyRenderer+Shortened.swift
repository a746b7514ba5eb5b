extension ReplyRenderer {
    /// The answer as a single message, for a platform that takes only one more (WeCom's one-use
    /// `response_url`): whole when it fits; otherwise cut where its first part would end and
    /// closed by `notice`, so that a shortened answer never looks complete.
    public static func renderShortened(
        _ reply: Reply, for target: RenderTarget, notice: String, options: RenderOptions = RenderOptions()
    ) -> (text: String, shortened: Bool) {
        let whole = render(reply, for: target, options: options)
        guard whole.count > 1 else { return (whole.first?.text ?? "", false) }
        let writer = target.dialect.writer
        let noticeBlock = MarkdownBlock.paragraph([.text(notice)])
        let probe = MarkdownBlock.paragraph([.text("x")])
        var room = target
        room.maxBytes -= target.size(of: writer.render([probe, noticeBlock])) - target.size(of: writer.render([probe]))
        let parts = render(reply, for: room, options: options)
        var blocks = parts.first?.blocks ?? []
        if blocks.last == ReplySplitter.label(1, of: parts.count) { blocks.removeLast() }
        return (writer.render(blocks + [noticeBlock]), true)
    }
}
