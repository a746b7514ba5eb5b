import Foundation
import SwitchboardCore

/// An app robot's pictures, files, voice and video (platforms-2.md §4.4): `POST
/// /v1.0/robot/messageFiles/download` with the message's `downloadCode` and the robot code gives a
/// pre-signed `downloadUrl`, fetched without auth at once (its lifetime is unconfirmed).
extension DingTalkAppAdapter: MediaFetching {
    func fetchMedia(_ media: MediaReference, kind: MediaFile.Kind, of event: ChatEvent, transport: any HTTPTransport) async throws -> MediaFile {
        guard let code = media.mediaID, !code.isEmpty else { throw MediaError(.unavailable, "the DingTalk message carries no downloadCode") }
        let robotCode = event.replyAddress["robot_code"] ?? self.robotCode
        let answer: JSONValue
        do {
            answer = try await token.withToken(transport: transport, isRejection: DingTalkAccessToken.isRejection) { [api] token in
                try await api.post(
                    "/v1.0/robot/messageFiles/download", api: "messageFiles/download", body: ["downloadCode": .string(code), "robotCode": .string(robotCode)],
                    token: token, transport: transport
                )
            }
        } catch let error as DingTalkAPIError {
            throw Self.mediaError(error)
        }
        guard let url = answer["downloadUrl"]?.string, !url.isEmpty else {
            throw MediaError(.unavailable, "DingTalk's messageFiles/download answered without a downloadUrl for bot \(botID)")
        }
        return try await MediaDownload.get(url, kind: kind, name: media.name, limit: maxMediaBytes, transport: transport, signed: true)
    }

    /// The OpenAPI's refusal as what the user is told (its codes for this call are not documented
    /// in what was read: a 4xx naming the download code means an unknown or expired one).
    static func mediaError(_ error: DingTalkAPIError) -> MediaError {
        if case .http(let status, let code, _) = error.kind {
            if status == 403 || code.lowercased().contains("forbidden") || code.lowercased().contains("permission") {
                return MediaError(.refused, "\(error); grant the app the robot's file download permission")
            }
            if (400..<500).contains(Int(status)) { return MediaError(.expired, "\(error)") }
        }
        return MediaError(.unavailable, "\(error)")
    }
}
