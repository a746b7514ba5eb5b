import SwitchboardCore
import SwitchboardTelemetry

/// The app's OpenAPI access token (platforms.md §3e) through core's ``AccessTokenCache``: one
/// fetch for many sends, refreshed five minutes before `expireIn`, fetched again on HTTP 401.
enum DingTalkAccessToken {
    static func cache(api: DingTalkAPI, appKey: String, appSecret: String) -> AccessTokenCache {
        AccessTokenCache(refreshMargin: .seconds(300), labels: .bot(api.botID, platform: DingTalkAdapterFactory.platformName)) { transport in
            let answer = try await api.post(
                "/v1.0/oauth2/accessToken", api: "accessToken", body: ["appKey": .string(appKey), "appSecret": .string(appSecret)], token: nil, transport: transport
            )
            guard let token = answer["accessToken"]?.string, !token.isEmpty else {
                throw DingTalkAPIError(botID: api.botID, api: "accessToken", kind: .notJSON)
            }
            return AccessTokenCache.Token(value: token, seconds: DingTalkMessage.number(answer["expireIn"]))
        }
    }

    static func isRejection(_ error: any Error) -> Bool {
        (error as? DingTalkAPIError)?.isTokenRejected == true
    }
}
