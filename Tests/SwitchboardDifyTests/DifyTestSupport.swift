import Foundation
import Logging
import SwitchboardCore
import SwitchboardDify
import SwitchboardServer
import SwitchboardTesting

/// Builds Dify backends the way the server does — from a config section, through the factory —
/// pointed at a ``FakeDifyServer`` over the real AsyncHTTPClient transport.
enum DifyTest {
    static let transport = AsyncHTTPClientTransport()

    /// `options` are added to (and override) `base_url`, `api_key`, `app` and fast retry timing.
    static func backend(
        _ dify: FakeDifyServer, app: String, name: String = "helpdesk", options: [String: JSONValue] = [:], logs: LogCapture = LogCapture()
    ) throws -> any ChatBackend {
        var section: [String: JSONValue] = [
            "type": "dify", "base_url": .string(dify.baseURL), "api_key": .string(dify.apiKey), "app": .string(app),
            "retry_initial_delay": "10ms",
        ]
        section.merge(options) { _, given in given }
        return try backend(section: section, name: name, logs: logs)
    }

    static func backend(section: [String: JSONValue], name: String = "helpdesk", logs: LogCapture = LogCapture()) throws -> any ChatBackend {
        let config = try ConfigSection(JSONValue.object(section).configNode(path: "backends.\(name)", file: "test.yaml"))
        return try BackendRegistry([DifyBackendFactory()]).makeBackend(
            name: name, config: config, environment: FactoryEnvironment(transport: transport, logger: logs.logger(label: "dify"))
        )
    }

    static func event(_ text: String, sender: String = "zhangsan", senderName: String? = "张三", chat: String = "chat-1") -> ChatEvent {
        ChatEvent(
            id: "wecom-app:msg-\(UUID().uuidString)", platform: "wecom", bot: "wecom-app",
            conversation: Conversation(id: chat, type: .group, title: "研发群"), sender: Participant(id: sender, name: senderName),
            text: text, timestamp: Date(timeIntervalSince1970: 1_718_000_000)
        )
    }

    static func request(
        _ query: String, conversationID: String? = nil, lastUsed: Date? = nil, user: String = "wecom:wecom-app:zhangsan",
        scope: String = "helpdesk|wecom-app|user:zhangsan|chat:chat-1"
    ) -> BackendRequest {
        BackendRequest(
            query: query, user: user, conversationID: conversationID, conversationLastUsed: lastUsed, route: "all", scope: scope, event: event(query)
        )
    }

    /// All chunks of the answer.
    static func chunks(_ backend: any ChatBackend, _ request: BackendRequest) async throws -> [ReplyChunk] {
        var chunks: [ReplyChunk] = []
        for try await chunk in backend.respond(to: request) { chunks.append(chunk) }
        return chunks
    }

    /// The answer folded into a reply, and the conversation id it announced.
    static func answer(_ backend: any ChatBackend, _ request: BackendRequest) async throws -> (reply: Reply, conversation: String?) {
        let chunks = try await chunks(backend, request)
        var reply = Reply()
        var conversation: String?
        for chunk in chunks {
            reply.apply(chunk)
            if case .conversation(let id) = chunk { conversation = id }
        }
        guard chunks.last == .end else { throw Unfinished(chunks: chunks) }
        return (reply, conversation)
    }

    struct Unfinished: Error {
        var chunks: [ReplyChunk]
    }

    static let fallback = "抱歉，暂时无法回答，请稍后再试。/ Sorry, I can't answer right now. Please try again later."
}
