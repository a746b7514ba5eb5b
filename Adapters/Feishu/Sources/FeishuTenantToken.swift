import Foundation
import SwitchboardCore
import SwitchboardTelemetry

/// The app's `tenant_access_token` (platforms.md §2c) through the shared ``AccessTokenCache``:
/// one fetch for many sends, refreshed ten minutes before `expire` (as the SDK does), fetched
/// again when Feishu refuses it (99991663, 99991661).
enum FeishuTenantToken {
    static func cache(api: FeishuAPI, appID: String, appSecret: String) -> AccessTokenCache {
        AccessTokenCache(refreshMargin: .seconds(600), labels: .bot(api.botID, platform: FeishuAdapterFactory.platformName)) { transport in
            let body = try JSONEncoder().encode(["app_id": appID, "app_secret": appSecret])
            let object = try await api.call(
                .post, "/open-apis/auth/v3/tenant_access_token/internal", api: "tenant_access_token", token: nil, body: body, transport: transport
            )
            guard let token = object["tenant_access_token"]?.string, !token.isEmpty else {
                throw FeishuAPIError(botID: api.botID, api: "tenant_access_token", kind: .notJSON)
            }
            return AccessTokenCache.Token(value: token, seconds: object["expire"].flatMap { if case .number(let seconds) = $0 { seconds } else { nil } })
        }
    }

    static func isRejection(_ error: any Error) -> Bool {
        (error as? FeishuAPIError)?.isTokenRejected == true
    }
}
