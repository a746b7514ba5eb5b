import Foundation
import HTTPTypes
import SwitchboardCore

/// A self-built app's pictures, voice and video (platforms-2.md §4.1): `GET /cgi-bin/media/get`
/// with the access token and the message's `MediaId` (valid three days). Success is the raw bytes;
/// an error is JSON with HTTP 200, so the Content-Type decides. A file too big for one download
/// (errcode 830002) is fetched in `Range` chunks of 20 MB when the bot's limit allows it.
extension WeComAppAdapter: MediaFetching {
    static let mediaTimeout: Duration = .seconds(120)
    /// The largest chunk WeCom serves per ranged request (a multiple of 16).
    static let rangeChunk = 20 << 20

    func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile {
        guard let mediaID = media.mediaID, !mediaID.isEmpty else { throw MediaError(.unavailable, "the WeCom message carries no MediaId") }
        let limit = maxMediaBytes
        return try await token.withToken(transport: transport, isRejection: WeComAccessToken.isRejection) { [api, botID] token in
            let url = api.url("/cgi-bin/media/get", query: [("access_token", token), ("media_id", mediaID)])
            let response = try await Self.get(url, range: nil, transport: transport, botID: botID)
            if let error = try await Self.jsonError(response, botID: botID) {
                guard error.errcode == 830_002 else { throw Self.mediaError(error, limit: limit) }
                guard limit > Self.rangeChunk else {
                    throw MediaError(.tooLarge(size: nil, limit: limit), "WeCom says the media is too large for one download (830002)")
                }
                return try await Self.ranged(url, kind: kind, name: media.name, limit: limit, transport: transport, botID: botID)
            }
            return try await MediaDownload.read(response, kind: kind, name: media.name, limit: limit, platformMimeType: response.headers[.contentType])
        }
    }

    private static func get(_ url: String, range: ClosedRange<Int>?, transport: any HTTPTransport, botID: String) async throws -> OutboundResponse {
        var headers: HTTPFields = [:]
        if let range { headers[.range] = "bytes=\(range.lowerBound)-\(range.upperBound)" }
        do {
            return try await transport.execute(OutboundRequest(method: .get, url: url, headers: headers, timeout: mediaTimeout))
        } catch {
            throw MediaError(.unavailable, "WeCom's media/get failed for bot \(botID): \(type(of: error))")
        }
    }

    /// The JSON error a media/get answered instead of bytes, if it did (a token refusal is thrown
    /// as it is, so the token is fetched again).
    private static func jsonError(_ response: OutboundResponse, botID: String) async throws -> WeComAPIError? {
        let isJSON = (response.headers[.contentType] ?? "").contains("json") || (response.headers[.contentType] ?? "").hasPrefix("text/plain")
        guard isJSON || response.status.kind != .successful else { return nil }
        let data = (try? await response.body.collect(upTo: 64 * 1024)) ?? Data()
        let object = (try? JSONParser.parse(data))?.object
        guard let code = object?["errcode"]?.integer, code != 0 else {
            return WeComAPIError(botID: botID, api: "media/get", kind: response.status.kind == .successful ? .notJSON : .http(response.status.code))
        }
        let error = WeComAPIError(botID: botID, api: "media/get", kind: .errcode(code, object?["errmsg"]?.string ?? ""))
        if error.isTokenRejected { throw error }
        return error
    }

    /// 830002: `Range` requests of 20 MB, written to a temporary file, until `Content-Range` says
    /// the whole size has come.
    private static func ranged(
        _ url: String, kind: MediaFile.Kind, name: String?, limit: Int, transport: any HTTPTransport, botID: String
    ) async throws -> MediaFile {
        let file = try TemporaryFile()
        let handle = try FileHandle(forWritingTo: file.url)
        defer { try? handle.close() }
        var offset = 0
        var total: Int?
        var prefix = Data()
        var fileName = name
        repeat {
            let response = try await get(url, range: offset...(offset + rangeChunk - 1), transport: transport, botID: botID)
            if let error = try await jsonError(response, botID: botID) { throw mediaError(error, limit: limit) }
            // `Content-Range: bytes a-b/size`.
            if let range = response.headers[.contentRange], let size = range.split(separator: "/").last.flatMap({ Int($0) }) {
                guard size <= limit else { throw MediaError(.tooLarge(size: size, limit: limit), "the media is \(size) bytes") }
                total = size
            }
            fileName = fileName ?? response.headers[.contentDisposition].flatMap(ContentDisposition.fileName)
            let chunk = try await response.body.collect(upTo: rangeChunk)
            guard !chunk.isEmpty else { break }
            if prefix.count < 64 { prefix.append(chunk.prefix(64 - prefix.count)) }
            try handle.write(contentsOf: chunk)
            offset += chunk.count
            guard offset <= limit else { throw MediaError(.tooLarge(size: nil, limit: limit), "the media passed the limit") }
        } while offset < (total ?? 0)
        let mimeType = MediaSniffer.mimeType(of: prefix, name: fileName ?? "") ?? "application/octet-stream"
        return MediaFile(kind: kind, name: MediaFile.name(fileName, kind: kind, mimeType: mimeType), mimeType: mimeType, size: offset, content: .file(file))
    }

    /// WeCom's media/get errcodes as what the user is told.
    static func mediaError(_ error: WeComAPIError, limit: Int) -> MediaError {
        switch error.errcode {
        case 40007: MediaError(.expired, "\(error) (a MediaId lives three days)")
        case 830_002: MediaError(.tooLarge(size: nil, limit: limit), "\(error)")
        case 60011, 48002: MediaError(.refused, "\(error)")
        default: MediaError(.unavailable, "\(error)")
        }
    }
}
