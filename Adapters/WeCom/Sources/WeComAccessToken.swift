import Foundation
import SwitchboardCore
import SwitchboardTelemetry

/// A self-built app's access token (platforms.md §1d): `gettoken` through the shared
/// ``AccessTokenCache`` — one fetch for many sends, refreshed five minutes before `expires_in`,
/// fetched again when WeCom refuses it (40014, 42001, 40001).
enum WeComAccessToken {
    static func cache(api: WeComAPI, corpID: String, secret: String) -> AccessTokenCache {
        AccessTokenCache(refreshMargin: .seconds(300), labels: .bot(api.botID, platform: WeComAdapterFactory.platformName)) { transport in
            let object = try await api.get("/cgi-bin/gettoken", query: [("corpid", corpID), ("corpsecret", secret)], transport: transport)
            guard let token = object["access_token"]?.string, !token.isEmpty else {
                throw WeComAPIError(botID: api.botID, api: "gettoken", kind: .notJSON)
            }
            return AccessTokenCache.Token(value: token, seconds: object["expires_in"].flatMap { if case .number(let seconds) = $0 { seconds } else { nil } })
        }
    }

    static func isRejection(_ error: any Error) -> Bool {
        (error as? WeComAPIError)?.isTokenRejected == true
    }
}
