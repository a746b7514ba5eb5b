/// Declared facts about a platform mode that the router and the renderer rely on.
public struct AdapterCapabilities: Sendable, Equatable {
    /// The largest message body the platform accepts, in UTF-8 bytes.
    public var maxMessageBytes: Int
    /// The Markdown subset the platform renders.
    public var markdownDialect: MarkdownDialect
    public var streaming: StreamingSupport
    /// Whether the platform delivers group messages that do not @-mention the bot. DingTalk groups
    /// deliver only @-messages, so a keyword rule there only ever sees mentioned messages.
    public var groupsDeliverUnmentionedMessages: Bool

    public init(
        maxMessageBytes: Int,
        markdownDialect: MarkdownDialect,
        streaming: StreamingSupport = .none,
        groupsDeliverUnmentionedMessages: Bool
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.markdownDialect = markdownDialect
        self.streaming = streaming
        self.groupsDeliverUnmentionedMessages = groupsDeliverUnmentionedMessages
    }
}

/// How a platform can show an answer while it is still being written.
public enum StreamingSupport: String, Sendable, Equatable {
    /// Only the finished answer is sent.
    case none
    /// A sent message is edited in place as text arrives (Feishu cards).
    case editInPlace = "edit_in_place"
    /// The platform polls for stream frames (WeCom AI bot).
    case frames
}
