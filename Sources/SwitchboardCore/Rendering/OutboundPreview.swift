/// Lets `switchboard render` show, for an answer, the exact payloads a platform mode sends — an
/// adapter factory adopts it next to ``AdapterFactory`` (a plugin's can too).
public protocol OutboundPreviewing: Sendable {
    /// The modes that have previews (`app`, `aibot`, `robot` for WeCom).
    var previewModes: [String] { get }
    /// What `mode` would send for `reply`, in order. Ids and credentials are placeholders.
    func previewOutbound(for reply: Reply, mode: String, options: RenderOptions) throws -> [OutboundPreview]
}

/// One payload of an answer: where it goes, and its JSON body as sent (before any encryption).
public struct OutboundPreview: Sendable, Encodable, Equatable {
    /// `POST https://…/message/send?access_token=ACCESS_TOKEN`, or what the body answers.
    public var to: String
    public var body: JSONValue

    public init(to: String, body: JSONValue) {
        self.to = to
        self.body = body
    }
}
