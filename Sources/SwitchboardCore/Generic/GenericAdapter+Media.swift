import Foundation

/// The generic adapter's media are URLs the (signed, so trusted) sender put in its segments
/// (`{"type": "image", "url": "https://…"}`): fetched with a plain GET when the answer starts.
extension GenericAdapter: MediaFetching {
    static let mediaTimeout: Duration = .seconds(120)

    public func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile {
        guard let text = media.url, let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw MediaError(.unavailable, "the \(kind.rawValue) of bot \(botID)'s message has no http(s) url")
        }
        let response: OutboundResponse
        do {
            response = try await transport.execute(OutboundRequest(method: .get, url: text, timeout: Self.mediaTimeout))
        } catch {
            throw MediaError(.unavailable, "the \(kind.rawValue) at \(url.host ?? "?") could not be fetched for bot \(botID): \(type(of: error))")
        }
        guard response.status.kind == .successful else {
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let reason: MediaError.Reason = [401, 403].contains(Int(response.status.code)) ? .refused : [404, 410].contains(Int(response.status.code)) ? .expired : .unavailable
            throw MediaError(reason, "the \(kind.rawValue) at \(url.host ?? "?") answered HTTP \(response.status.code) for bot \(botID)")
        }
        let name = media.name ?? (url.lastPathComponent.isEmpty || url.lastPathComponent == "/" ? nil : url.lastPathComponent)
        return try await MediaDownload.read(response, kind: kind, name: name, limit: maxMediaBytes, platformMimeType: response.headers[.contentType])
    }
}
