import Foundation
import Testing

@Suite("switchboard check", .timeLimit(.minutes(5)))
struct CheckCommandTests {
    static let secret = "cli-secret-0123456789-never-shown"

    func check(_ yaml: String, environment: [String: String] = [:]) async throws -> CLIProcess.Output {
        let directory = try scratchDirectory()
        try yaml.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
        return try await CLIProcess.runAsync(["check", "--config", "switchboard.yaml"], in: directory, environment: environment)
    }

    @Test func listsBotsWebhookPathsRoutesAndWarnings() async throws {
        let output = try await check("""
            backends:
              helpdesk: {type: echo}
              finance: {type: echo}
            bots:
              ops: {platform: generic, secret: "${OPS_SECRET}", callback_url: "https://ops.example.com/hook"}
              hr: {platform: generic, secret: "\(Self.secret)"}
            routes:
              - {name: finance, when: {keywords: [报销, 发票]}, backend: finance}
              - {name: everything, backend: helpdesk}
              - {name: never, when: {chat: direct}, backend: helpdesk}
            """, environment: ["OPS_SECRET": Self.secret])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("ops (generic): GET|POST /webhooks/ops"))
        #expect(output.stderr.contains("hr (generic): GET|POST /webhooks/hr"))
        #expect(output.stderr.contains("1. finance: keywords 报销|发票 → finance (per_user_in_chat)"))
        #expect(output.stderr.contains("2. everything: every message → helpdesk (per_user_in_chat)"))
        #expect(output.stderr.contains("route never (routes[2]): never fires: the earlier route everything takes every message it would match"))
        #expect(!output.stderr.contains(Self.secret))
    }

    @Test("check shows each bot's intake: a webhook path, or the long connection Switchboard opens; a bad intake names the key")
    func showsEachBotsIntake() async throws {
        let output = try await check("""
            bots:
              feishu-ws: {platform: feishu, intake: websocket, app_id: cli_a1b2c3d4e5f6a7b8, app_secret: s, bot_open_id: ou_bot0000000000000000000000000000}
              ding: {platform: dingtalk, mode: stream, app_key: dingx, app_secret: s}
              feishu-hook: {platform: feishu, app_id: cli_a1b2c3d4e5f6a7b8, app_secret: s, verification_token: v}
            """)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("feishu-ws (feishu): Feishu long connection (WebSocket) — opened by Switchboard, no public URL needed"), "\(output.stderr)")
        #expect(output.stderr.contains("ding (dingtalk): DingTalk Stream (WebSocket) — opened by Switchboard"))
        #expect(output.stderr.contains("feishu-hook (feishu): GET|POST /webhooks/feishu-hook"))
        let bad = try await check("bots: {f: {platform: feishu, intake: socket, app_id: cli_x, app_secret: s, verification_token: v}}")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bots.f.intake: must be webhook"), "\(bad.stderr)")
        let noToken = try await check("bots: {f: {platform: feishu, app_id: cli_x, app_secret: s}}")
        #expect(noToken.stderr.contains("bots.f.verification_token"), "\(noToken.stderr)")
    }

    @Test func aKeywordRuleInDingTalkGroupsIsWarnedAboutByCheck() async throws {
        let output = try await check("""
            bots:
              ding: {platform: dingtalk, mode: http, app_key: dingf0apw4ibx5u5ktba, app_secret: "\(Self.secret)"}
            routes:
              - {name: finance, when: {keywords: [报销]}, backend: echo}
              - {name: direct-only, when: {chat: direct, keywords: [报销]}, backend: echo}
            """)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains(
            "route finance (routes[0]): in dingtalk groups only messages that @-mention the bot arrive, so this keywords rule fires there only on @-messages"
        ), "\(output.stderr)")
        // Direct chats deliver every message: no warning for a rule limited to them.
        #expect(!output.stderr.contains("route direct-only"), "\(output.stderr)")
        #expect(!output.stderr.contains(Self.secret))
    }

    @Test func anUnknownBackendFailsWithOneLineNamingTheKey() async throws {
        let output = try await check("""
            bots:
              ops: {platform: generic, secret: "\(Self.secret)"}
            routes:
              - {name: finance, when: {keywords: [报销]}, backend: finance}
            """)
        #expect(output.status != 0)
        #expect(output.stderr == "error: switchboard.yaml: route finance (routes[0]): backend: unknown backend; configured backends: echo\n")
    }

    @Test func anUnsetVariableFailsWithOneLineNamingTheKey() async throws {
        let output = try await check("bots:\n  ops: {platform: generic, secret: \"${OPS_SECRET}\"}\n", environment: ["OPS_SECRET": ""])
        #expect(output.status != 0)
        #expect(output.stderr == "error: switchboard.yaml: bots.ops.secret: environment variable OPS_SECRET is not set\n")
    }

    @Test func aMissingFileIsReported() async throws {
        let output = try await CLIProcess.runAsync(["check", "--config", "nope.yaml"], in: try scratchDirectory())
        #expect(output.status != 0)
        #expect(output.stderr == "error: nope.yaml: cannot read the file (no such file)\n")
    }

    @Test("check shows each route's conversation features and the global ones, and warns that follow_up cannot work in DingTalk groups")
    func showsConversationFeatures() async throws {
        let output = try await check("""
            bots:
              app: {platform: generic, secret: "\(Self.secret)"}
              ding: {platform: dingtalk, mode: http, app_key: dingf0apw4ibx5u5ktba, app_secret: "\(Self.secret)"}
            admins: [app:u-admin]
            identities: {zhangsan: [generic:app:u-1, dingtalk:ding:032615015535634423]}
            rate_limit: {per_chat: 100/h}
            routes:
              - {name: group, when: {mention: true}, backend: echo, follow_up: 2m, debounce: 1500ms, rate_limit: {per_user: 20/h}}
              - {name: me, when: {chat: direct}, backend: echo, scope: per_user, identity: linked}
            """)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("1. group: @-mentions → echo (per_user_in_chat)\n     follow-up 2m; debounce 1500ms; rate limit 20/h per user (fixed)"), "\(output.stderr)")
        #expect(output.stderr.contains("2. me: direct chats, every message → echo (per_user)\n     identity linked"))
        #expect(output.stderr.contains("access: everyone"))
        #expect(output.stderr.contains("rate limit: 100/h per chat (fixed)"))
        #expect(output.stderr.contains("admins: 1 (may use /status and /reset all)"))
        #expect(output.stderr.contains("identities: 2 accounts linked to 1 people"))
        #expect(output.stderr.contains("route group (routes[0]): follow_up cannot work in dingtalk groups: only messages that @-mention the bot arrive there"))
        #expect(output.stderr.contains("commands: reset: /reset, 重置对话; help: /help; status: /status; reset_all: /reset all"))
        #expect(output.stderr.contains("bots.ding: mode: http cannot authenticate a message's body"), "\(output.stderr)")
        #expect(output.stderr.contains("Stream mode (mode: stream) is the safe choice"))
    }
}
