import Foundation
import SwitchboardCore
import SwitchboardTesting

/// The demo's stand-in for the platforms' APIs: answers like qyapi, the Feishu Open API and a
/// DingTalk session webhook, and keeps what it was sent so the demo can print it.
enum DemoSink {
    static func respond(_ request: RecordedRequest) -> WebhookResponse {
        let json: String = switch (request.method, request.path) {
        case ("GET", "/cgi-bin/gettoken"): #"{"errcode":0,"errmsg":"ok","access_token":"demo-access-token","expires_in":7200}"#
        case ("POST", "/cgi-bin/message/send"): #"{"errcode":0,"errmsg":"ok","msgid":"demo-msgid"}"#
        case ("POST", "/open-apis/auth/v3/tenant_access_token/internal"): #"{"code":0,"msg":"ok","tenant_access_token":"t-demo","expire":7200}"#
        case ("POST", _) where request.path.hasPrefix("/open-apis/im/v1/messages"): #"{"code":0,"msg":"success","data":{"message_id":"om_demo_card"}}"#
        case ("PATCH", _): #"{"code":0,"msg":"success","data":{}}"#
        default: #"{"errcode":0,"errmsg":"ok"}"#
        }
        return WebhookResponse(status: .ok, headers: [.contentType: "application/json"], body: Data(json.utf8))
    }

    /// A request as the demo prints it: method, path (secrets in the query hidden) and the body.
    static func describe(_ request: RecordedRequest) -> String {
        let body: String
        if var json = try? JSONParser.parse(request.body) {
            // Even the demo's fake secrets are not printed.
            if case .object(var members) = json {
                for key in ["app_secret", "appSecret", "clientSecret"] where members[key] != nil { members[key] = "•••" }
                json = .object(members)
            }
            body = String(decoding: (try? EventJSON.encode(json, pretty: true)) ?? request.body, as: UTF8.self)
        } else {
            body = request.bodyText
        }
        let query = request.query.map { _ in "?…" } ?? ""
        return "\(request.method) \(request.path)\(query)\n" + body.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    }
}
