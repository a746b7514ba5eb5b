import Foundation

/// The generic adapter's media are URLs the (signed, so trusted) sender put in its segments
/// (`{"type": "image", "url": "https://…"}`): fetched with a plain GET when the answer starts.
extension GenericAdapter: MediaFetching {
    public func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile {
        guard let text = media.url, let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw MediaError(.unavailable, "the \(kind.rawValue) of bot \(botID)'s message has no http(s) url")
        }
        let name = media.name ?? (url.lastPathComponent.isEmpty || url.lastPathComponent == "/" ? nil : url.lastPathComponent)
        return try await MediaDownload.get(text, kind: kind, name: name, limit: maxMediaBytes, transport: transport)
    }
}
