import Foundation
import HTTPTypes
import SwitchboardCore

/// What users send besides text, downloaded when the engine works on the message
/// (platforms-2.md §4.3): `GET /open-apis/im/v1/messages/{message_id}/resources/{key}?type=image`
/// for pictures (also those inside a `post`), `type=file` for files, voice and video, with the
/// tenant token. The bytes come as they are; errors come as JSON.
extension FeishuAppAdapter: MediaFetching {
    static let resourceTimeout: Duration = .seconds(120)

    func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile {
        guard let key = media.mediaID, !key.isEmpty, let messageID = event.messageID, !messageID.isEmpty else {
            throw MediaError(.unavailable, "the Feishu message names no resource key")
        }
        // A sticker's key cannot be downloaded (platforms-2.md §4.3).
        if media.name == "sticker" { throw MediaError(.unavailable, "Feishu does not let bots download stickers") }
        let url = api.host + "/open-apis/im/v1/messages/\(PercentEncoding.pathSegment(messageID))/resources/\(PercentEncoding.pathSegment(key))?type=\(kind == .image ? "image" : "file")"
        let limit = maxMediaBytes
        return try await token.withToken(transport: transport, isRejection: FeishuTenantToken.isRejection) { [botID] token in
            let request = OutboundRequest(method: .get, url: url, headers: [.authorization: "Bearer \(token)"], timeout: Self.resourceTimeout)
            let response: OutboundResponse
            do {
                response = try await transport.execute(request)
            } catch {
                throw MediaError(.unavailable, "Feishu's resource download failed for bot \(botID): \(type(of: error))")
            }
            let contentType = response.headers[.contentType] ?? ""
            guard response.status.kind == .successful, !contentType.hasPrefix("application/json") else {
                let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? Data()
                let object = (try? JSONParser.parse(body))?.object
                let code = object?["code"]?.integer
                let message = object?["msg"]?.string ?? ""
                if let code, [99991663, 99991661].contains(code) {
                    throw FeishuAPIError(botID: botID, api: "im/v1/messages/resources", kind: .code(code, message))
                }
                throw Self.mediaError(code: code, status: Int(response.status.code), message: message, botID: botID, limit: limit)
            }
            return try await MediaDownload.read(response, kind: kind, name: media.name, limit: limit, platformMimeType: contentType)
        }
    }

    /// Feishu's resource errors (platforms-2.md §4.3) as what the user is told.
    static func mediaError(code: Int?, status: Int, message: String, botID: String, limit: Int) -> MediaError {
        let said = "Feishu refused the resource download for bot \(botID): " + (code.map { "code \($0)" } ?? "HTTP \(status)") + (message.isEmpty ? "" : " (\(message))")
        switch code {
        case 234_037: return MediaError(.tooLarge(size: nil, limit: limit), said + "; over Feishu's 100 MB")
        case 230_110, 234_003, 234_043: return MediaError(.expired, said)
        case 234_002, 234_004, 234_009, 234_038, 234_040:
            return MediaError(.refused, said + "; check that the app has im:message (or im:message:readonly) and is in the chat")
        default: return MediaError(.unavailable, said)
        }
    }
}
