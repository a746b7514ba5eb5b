import Foundation
import SwitchboardCore
import SwitchboardServer
import Testing

/// `follow_up`, `debounce`, `rate_limit`, `access`, `admins`, `identities` and `identity` as
/// written in the file: read, checked, and each mistake said in one line naming the key.
@Suite("Conversation settings", .timeLimit(.minutes(5)))
struct ConversationConfigTests {
    static let bot = "bots:\n  app: {platform: generic, secret: s3cr3t-value-never-printed}\n"

    @Test func everyFeatureIsRead() throws {
        let setup = try build(Self.bot + """
            access: {allow: {users: [app:u-1, u-2]}, deny: {chats: [room-9]}}
            rate_limit: {per_chat: 100/h, window: sliding}
            admins: [app:u-admin]
            identities:
              zhangsan: [generic:app:u-1, "dingtalk:ding:$:LWCP_v1:$abc=="]
              lisi: generic:app:u-2
            routes:
              - {name: group, when: {mention: true}, backend: echo, follow_up: 2m, debounce: 1500ms, rate_limit: {per_user: 20/h, notice: 慢点}}
              - {name: me, when: {chat: direct}, backend: echo, scope: per_user, identity: linked, access: {deny: {users: [u-3]}}}
            """).get()
        let policy = setup.routing.policy
        #expect(policy.access.allowUsers == AccountList(["app:u-1", "u-2"]))
        #expect(policy.access.denyChats == AccountList(["room-9"]))
        #expect(policy.rateLimit == RateLimit(perChat: .init(count: 100, window: .seconds(3600)), window: .sliding))
        #expect(policy.admins == AccountList(["app:u-admin"]))
        #expect(policy.identities.principals == ["generic:app:u-1": "zhangsan", "dingtalk:ding:$:LWCP_v1:$abc==": "zhangsan", "generic:app:u-2": "lisi"])
        let group = setup.routing.rules[0].features
        #expect(group.followUp == .seconds(120))
        #expect(group.debounce == .milliseconds(1500))
        #expect(group.rateLimit == RateLimit(perUser: .init(count: 20, window: .seconds(3600)), notice: "慢点"))
        #expect(group.summary == "follow-up 2m; debounce 1500ms; rate limit 20/h per user (fixed)")
        let me = setup.routing.rules[1].features
        #expect(me.linkedIdentity)
        #expect(me.summary == "access: deny 1 user; identity linked")
        #expect(setup.warnings == ["backends: none configured; using the echo backend, which repeats each message"])
    }

    @Test func mistakesNameTheKey() {
        let route = Self.bot + "routes:\n  - {name: r, backend: echo, "
        #expect(errorLine(route + "follow_up: soon}\n") == "switchboard.yaml: routes[0].follow_up: must be a duration like 500ms, 30s, 5m, 24h or 7d")
        #expect(errorLine(route + "follow_up: 2d}\n") == "switchboard.yaml: routes[0].follow_up: must be between 1s and 1d")
        #expect(errorLine(route + "debounce: 5ms}\n") == "switchboard.yaml: routes[0].debounce: must be between 100ms and 60s")
        #expect(errorLine(route + "rate_limit: {per_user: lots}}\n")
            == "switchboard.yaml: routes[0].rate_limit.per_user: must be a count per window like 20/h, 100/d or 5/30s (the window at most 1d)")
        #expect(errorLine(route + "rate_limit: {per_user: 5/w}}\n")?.contains("rate_limit.per_user: must be a count per window") == true)
        #expect(errorLine(route + "rate_limit: {window: fixed}}\n") == "switchboard.yaml: routes[0].rate_limit.per_user: or per_chat is required in a rate_limit")
        #expect(errorLine(route + "rate_limit: {per_user: 5/h, window: rolling}}\n") == "switchboard.yaml: routes[0].rate_limit.window: must be fixed or sliding")
        #expect(errorLine(route + "identity: linked}\n")
            == "switchboard.yaml: routes[0].identity: linked needs scope: per_user (one conversation per person across chats and platforms)")
        #expect(errorLine(route + "access: {allow: {people: [a]}}}\n") == "switchboard.yaml: routes[0].access.allow.people: unknown key")
        #expect(errorLine(route + "folow_up: 2m}\n") == "switchboard.yaml: routes[0].folow_up: unknown key (did you mean follow_up?)")
    }

    @Test func anAccountUnderTwoPrincipalsIsRefused() {
        let yaml = Self.bot + """
            identities:
              zhangsan: [generic:app:u-1, feishu:feishu-main:ou_84aa]
              lisi: [feishu:feishu-main:ou_84aa]
            """
        #expect(errorLine(yaml)
            == "switchboard.yaml: identities.lisi: feishu:feishu-main:ou_84aa is listed under two principals (zhangsan and lisi); an account belongs to one person")
        #expect(errorLine(Self.bot + "identities: {zhangsan: [ou_84aa]}\n")
            == "switchboard.yaml: identities.zhangsan: ou_84aa is not written as platform:bot:user id (for example feishu:feishu-main:ou_…)")
    }

    @Test func followUpWhereGroupsDeliverOnlyMentionsAndLinkedWithoutIdentitiesAreWarnedAbout() throws {
        let bots: [BotDescription] = [
            BotDescription(id: "ding", platform: "dingtalk", capabilities: AdapterCapabilities(maxMessageBytes: 1000, markdownDialect: .commonMark, groupsDeliverUnmentionedMessages: false)),
            BotDescription(id: "app", platform: "generic", capabilities: AdapterCapabilities(maxMessageBytes: 1000, markdownDialect: .commonMark, groupsDeliverUnmentionedMessages: true)),
        ]
        let rules = [
            RoutingRule(name: "group", trigger: .mention, backend: "x", features: RouteFeatures(followUp: .seconds(60))),
            RoutingRule(name: "me", chatType: .direct, backend: "x", scope: .perUser, features: RouteFeatures(linkedIdentity: true)),
        ]
        let warnings = try RoutingTable.validated(rules: rules, backends: ["x"], bots: bots).warnings.map(\.description)
        #expect(warnings == [
            "route group: follow_up cannot work in dingtalk groups: only messages that @-mention the bot arrive there",
            "route me: identity: linked, but identities: links no accounts, so every user keeps one conversation per platform",
        ])
    }
}
