import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDify
import SwitchboardDingTalk
import SwitchboardTesting
import Testing

/// One person on two platforms: `identities:` links a generic account and a DingTalk account to
/// one principal, and a `per_user` route with `identity: linked` gives them one Dify
/// conversation — a question asked on one platform continues on the other.
@Suite("Linked identities", .timeLimit(.minutes(5)))
struct LinkedIdentityTests {
    static let staffID = "032615015535634423"

    @Test("a conversation begun on the generic platform continues in DingTalk: Dify sees one conversation id and the principal as user; an unlinked user keeps their own")
    func oneConversationAcrossPlatforms() async throws {
        try await FakeDingTalk.withRunning { fake in
            try await FakeDifyServer.withRunning(mode: "chat") { dify in
                try await LoopbackServer.withRunning { callback in
                    let yaml = """
                        backends: {helpdesk: {type: dify, base_url: "\(dify.baseURL)", api_key: "${DIFY_API_KEY}", app: chat}}
                        bots:
                          app: {platform: generic, secret: "\(Self.genericSecret)", callback_url: "\(callback.url)/reply"}
                          dingtalk-http: {platform: dingtalk, mode: http, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}", api_base: "\(fake.url)", oapi_base: "\(fake.url)"}
                        identities:
                          zhangsan: [generic:app:u-zhangsan, "dingtalk:dingtalk-http:\(Self.staffID)"]
                        engine: {poll_interval: 50ms}
                        routes:
                          - {name: me, when: {chat: direct}, backend: helpdesk, scope: per_user, identity: linked}
                        """
                    let environment = ["DINGTALK_SECRET": FakeDingTalk.appSecret, "DIFY_API_KEY": dify.apiKey]
                    try await RunningSwitchboard.run(
                        yaml: yaml, environment: environment, adapters: [DingTalkAdapterFactory()], backends: [DifyBackendFactory()]
                    ) { server in
                        #expect(try await Self.postGeneric(server, id: "g1", sender: "u-zhangsan", text: "我的工号是 1024") == 200)
                        _ = try await callback.waitForRequests(count: 1)
                        let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
                        let frame = FakeDingTalk.callbackFrame(messageID: "d1", msgID: "msg-d1", text: "我的工号是多少？", sessionWebhook: fake.sessionWebhook, expires: alive, group: false)
                        #expect(try await Self.postDingTalk(server, try DingTalkEndToEndTests.message(from: frame)) == 200)
                        try await fake.waitFor("the DingTalk answer") { fake.sessionPosts.count == 1 }
                        #expect(try await Self.postGeneric(server, id: "g2", sender: "u-lisi", text: "你好") == 200)
                        _ = try await callback.waitForRequests(count: 2)

                        let calls = dify.calls.filter { $0.path.hasSuffix("/chat-messages") }
                        #expect(calls.count == 3)
                        guard calls.count == 3 else { return }
                        let first = try #require(calls[1].conversationID)
                        #expect(!first.isEmpty)
                        #expect(calls.map(\.conversationID) == ["", first, ""])
                        #expect(calls.map(\.user) == ["zhangsan", "zhangsan", "generic:app:u-lisi"])
                    }
                }
            }
        }
    }

    static let genericSecret = "linked-secret-0123456789abcdef"

    static func postGeneric(_ server: RunningSwitchboard, id: String, sender: String, text: String) async throws -> Int {
        let body = GenericMessage(id, text, chat: sender, sender: sender).body
        var headers = GenericSignature(secret: genericSecret).headers(for: body, now: Date())
        headers[.contentType] = "application/json"
        return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/app", headers: headers, body: body)).status
    }

    static func postDingTalk(_ server: RunningSwitchboard, _ body: Data) async throws -> Int {
        let timestamp = String(Int64(Date().timeIntervalSince1970 * 1000))
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("timestamp")!] = timestamp
        headers[HTTPField.Name("sign")!] = DingTalkEndToEndTests.sign(timestamp)
        return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/dingtalk-http", headers: headers, body: body)).status
    }
}
