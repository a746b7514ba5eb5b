import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

func event(
    _ text: String,
    chat: ConversationType = .group,
    chatID: String = "room",
    mentions: Bool = false,
    platform: String = "feishu",
    bot: String = "bot",
    kind: EventKind = .message
) -> ChatEvent {
    ChatEvent(
        id: "\(bot):\(UUID().uuidString)", platform: platform, bot: bot, kind: kind,
        conversation: Conversation(id: chatID, type: chat), sender: Participant(id: "u1"),
        text: text, mentionsBot: mentions, timestamp: Date(timeIntervalSince1970: 0)
    )
}

@Suite("Routing", .timeLimit(.minutes(5)))
struct RoutingTableTests {
    let table = RoutingTable(rules: [
        RoutingRule(name: "finance", trigger: .keywords(["报销", "Invoice"]), backend: "finance"),
        RoutingRule(name: "ask", trigger: .prefix(["/ask"]), backend: "helpdesk", scope: .perUser),
        RoutingRule(name: "ticket", trigger: .regex(try! .init(#"^#\d+"#)), backend: "tickets"),
        RoutingRule(name: "vip", chatIDs: ["vip-room"], trigger: .any, backend: "vip", scope: .perChat),
        RoutingRule(name: "mentioned", chatType: .group, trigger: .mention, backend: "helpdesk"),
        RoutingRule(name: "direct", chatType: .direct, backend: "helpdesk"),
    ])

    func match(_ decision: RouteDecision) -> RouteMatch? {
        if case .reply(let match) = decision { return match }
        return nil
    }

    @Test func firstMatchingRuleWins() {
        #expect(match(table.route(event("我要报销", mentions: true)))?.rule == "finance")
        #expect(match(table.route(event("hello", mentions: true)))?.rule == "mentioned")
        #expect(match(table.route(event("hello", chat: .direct)))?.rule == "direct")
        #expect(table.route(event("hello")) == .ignore)
    }

    @Test func keywordsAreCaseInsensitive() {
        #expect(match(table.route(event("new INVOICE please")))?.backend == "finance")
    }

    @Test func prefixIsStrippedFromTheQuery() {
        let decision = match(table.route(event("/ASK  what is our VPN?")))
        #expect(decision?.rule == "ask")
        #expect(decision?.query == "what is our VPN?")
        #expect(decision?.scope == .perUser)
        #expect(match(table.route(event("please /ask")))?.rule != "ask")
    }

    @Test func regexAndChatIDFilters() {
        #expect(match(table.route(event("#123 is broken")))?.rule == "ticket")
        #expect(match(table.route(event("anything", chatID: "vip-room")))?.rule == "vip")
    }

    @Test func platformAndBotFilters() {
        let table = RoutingTable(rules: [
            RoutingRule(name: "ding", platforms: ["dingtalk"], backend: "a"),
            RoutingRule(name: "second-bot", bots: ["bot2"], backend: "b"),
        ])
        #expect(match(table.route(event("x", platform: "dingtalk")))?.rule == "ding")
        #expect(match(table.route(event("x", bot: "bot2")))?.rule == "second-bot")
        #expect(table.route(event("x")) == .ignore)
    }

    @Test func commandsComeBeforeRules() {
        guard case .command(.help, let helpTargets) = table.route(event("/help", chat: .direct)) else {
            Issue.record("help not recognised")
            return
        }
        // Every rule that admits the chat, whatever its trigger: /reset forgets all their conversations.
        #expect(helpTargets.map(\.rule) == ["finance", "ask", "ticket", "direct"])
        guard case .command(.reset, let targets) = table.route(event(" 重置对话 ", mentions: true)) else {
            Issue.record("reset not recognised")
            return
        }
        #expect(targets.map(\.rule) == ["finance", "ask", "ticket", "mentioned"])
    }

    @Test func groupCommandsMustMentionTheBot() {
        #expect(table.route(event("/reset")) == .ignore)
    }

    @Test func onlyMessagesAreRouted() {
        #expect(table.route(event("hi", chat: .direct, kind: .enterChat)) == .ignore)
    }

    @Test func scopeKeysSeparateWhatTheyShould() {
        let a = event("x", chatID: "room1"), b = event("x", chatID: "room2")
        #expect(ConversationScope.perUser.key(for: a, backend: "d") == ConversationScope.perUser.key(for: b, backend: "d"))
        #expect(ConversationScope.perUserInChat.key(for: a, backend: "d") != ConversationScope.perUserInChat.key(for: b, backend: "d"))
        #expect(ConversationScope.perChat.key(for: a, backend: "d") != ConversationScope.perChat.key(for: a, backend: "other"))
        var threaded = a
        threaded.conversation.thread = "t1"
        #expect(ConversationScope.perChat.key(for: a, backend: "d") != ConversationScope.perChat.key(for: threaded, backend: "d"))
    }
}

@Suite("Routing validation", .timeLimit(.minutes(5)))
struct RoutingValidationTests {
    static let mentionOnlyGroups = AdapterCapabilities(maxMessageBytes: 20_000, markdownDialect: .commonMark, groupsDeliverUnmentionedMessages: false)
    static let allGroups = AdapterCapabilities(maxMessageBytes: 20_000, markdownDialect: .commonMark, groupsDeliverUnmentionedMessages: true)
    let bots = [
        BotDescription(id: "ding", platform: "dingtalk", capabilities: mentionOnlyGroups),
        BotDescription(id: "lark", platform: "feishu", capabilities: allGroups),
    ]

    @Test func unknownBackendIsAnErrorNamingTheRule() {
        let rules = [RoutingRule(name: "finance", backend: "finanse", source: "routes[0]")]
        #expect(throws: RoutingError(rule: "finance (routes[0])", message: "backend: unknown backend; configured backends: echo, finance")) {
            _ = try RoutingTable.validated(rules: rules, backends: ["echo", "finance"], bots: bots)
        }
    }

    @Test func duplicateNamesAreAnError() {
        let rules = [RoutingRule(name: "a", backend: "x"), RoutingRule(name: "a", backend: "x")]
        #expect(throws: RoutingError.self) { _ = try RoutingTable.validated(rules: rules, backends: ["x"], bots: bots) }
    }

    @Test func warnsAboutKeywordRulesInMentionOnlyGroups() throws {
        let rules = [RoutingRule(name: "finance", trigger: .keywords(["报销"]), backend: "x")]
        let warnings = try RoutingTable.validated(rules: rules, backends: ["x"], bots: bots).warnings
        #expect(warnings.count == 1)
        #expect(warnings.first?.rule == "finance")
        #expect(warnings.first?.message.contains("dingtalk groups") == true)
        let directOnly = [RoutingRule(name: "finance", chatType: .direct, trigger: .keywords(["报销"]), backend: "x")]
        #expect(try RoutingTable.validated(rules: directOnly, backends: ["x"], bots: bots).warnings.isEmpty)
    }

    @Test func warnsAboutRulesThatCanNeverFire() throws {
        let rules = [
            RoutingRule(name: "all-groups", chatType: .group, trigger: .any, backend: "x"),
            RoutingRule(name: "shadowed", chatType: .group, chatIDs: ["a"], trigger: .mention, backend: "x"),
            RoutingRule(name: "ghost", platforms: ["slack"], backend: "x"),
            RoutingRule(name: "mention-in-direct", chatType: .direct, trigger: .mention, backend: "x"),
            RoutingRule(name: "fine", chatType: .direct, backend: "x"),
        ]
        let warnings = try RoutingTable.validated(rules: rules, backends: ["x"], bots: bots).warnings
        #expect(warnings.map(\.rule) == ["shadowed", "ghost", "mention-in-direct"])
        #expect(warnings.allSatisfy { $0.message.hasPrefix("never fires") })
    }
}

@Suite("Routing: access and admin commands", .timeLimit(.minutes(5)))
struct RoutingAccessTests {
    static func event(_ text: String, sender: String = "u-1", chat: String = "room-1", mention: Bool = true, principal: String? = nil) -> ChatEvent {
        GenericMessage("m", text, bot: "app", chat: chat, group: true, sender: sender, mention: mention, principal: principal).event
    }

    @Test("deny wins over allow; entries name an id, a bot's id or a platform's bot's id, or a principal")
    func accessLists() {
        let access = AccessRules(allowUsers: AccountList(["app:u-1", "generic:app:u-2", "principal:zhangsan"]), denyChats: AccountList(["room-9"]))
        #expect(access.admits(Self.event("hi")))
        #expect(access.admits(Self.event("hi", sender: "u-2")))
        #expect(access.admits(Self.event("hi", sender: "u-7", principal: "zhangsan")))
        #expect(!access.admits(Self.event("hi", sender: "u-3")))
        #expect(!access.admits(Self.event("hi", chat: "room-9")))
        let table = RoutingTable(
            rules: [RoutingRule(name: "all", trigger: .mention, backend: "b", features: RouteFeatures(access: AccessRules(denyUsers: AccountList(["u-2"]))))],
            policy: ConversationPolicy(access: AccessRules(denyUsers: AccountList(["u-bad"])))
        )
        #expect(table.route(Self.event("hi")) != .ignore)
        #expect(table.route(Self.event("hi", sender: "u-bad")) == .ignore)
        #expect(table.route(Self.event("hi", sender: "u-2")) == .ignore)
        #expect(table.route(Self.event("/status", sender: "u-bad")) == .ignore)
    }

    @Test("/status and /reset all are commands; whether the sender may use them is the engine's to say")
    func adminCommands() {
        let table = RoutingTable(rules: [RoutingRule(name: "all", trigger: .mention, backend: "b")], policy: ConversationPolicy(admins: AccountList(["app:u-admin"])))
        guard case .command(.status, _) = table.route(Self.event("/status")) else { Issue.record("not a command"); return }
        guard case .command(.resetAll, _) = table.route(Self.event("/RESET ALL")) else { Issue.record("not a command"); return }
        guard case .command(.reset, _) = table.route(Self.event("/reset")) else { Issue.record("not a command"); return }
        #expect(table.policy.isAdmin(Self.event("x", sender: "u-admin")))
        #expect(!table.policy.isAdmin(Self.event("x", sender: "u-1")))
        #expect(BuiltInCommand.status.isAdminOnly && BuiltInCommand.resetAll.isAdminOnly && !BuiltInCommand.reset.isAdminOnly)
    }

    @Test("a linked route keys the conversation by principal, the same from every platform; an unlinked sender keeps the scope's key")
    func linkedScopeKey() {
        let match = RouteMatch(rule: "me", backend: "dify", scope: .perUser, query: "q", features: RouteFeatures(linkedIdentity: true))
        #expect(match.scopeKey(for: Self.event("x", principal: "zhangsan")) == "dify|principal:zhangsan")
        #expect(match.scopeKey(for: Self.event("x")) == "dify|app|user:u-1")
        var unlinkedRoute = match
        unlinkedRoute.features.linkedIdentity = false
        #expect(unlinkedRoute.scopeKey(for: Self.event("x", principal: "zhangsan")) == "dify|app|user:u-1")
    }

    @Test("rate windows: 20/h, 5/30s, 100/d; a fixed window starts on its boundary, a sliding one a window ago")
    func rateWindows() {
        #expect(RateLimit.Allowance(text: "20/h") == .init(count: 20, window: .seconds(3600)))
        #expect(RateLimit.Allowance(text: "5/30s") == .init(count: 5, window: .seconds(30)))
        #expect(RateLimit.Allowance(text: "100/d")?.description == "100/d")
        #expect(RateLimit.Allowance(text: "3/10m")?.description == "3/10m")
        #expect(RateLimit.Allowance(text: "0/h") == nil)
        #expect(RateLimit.Allowance(text: "5/2d") == nil)
        let now = Date(timeIntervalSince1970: 7200 + 1800)
        let hourly = RateLimit.Allowance(count: 1, window: .seconds(3600))
        #expect(RateLimit(perUser: hourly).windowStart(hourly, now: now) == Date(timeIntervalSince1970: 7200))
        #expect(RateLimit(perUser: hourly, window: .sliding).windowStart(hourly, now: now) == Date(timeIntervalSince1970: 5400))
    }

    @Test("a quote goes before the query as a Markdown quote, cut to the limit")
    func quotedQuery() {
        var request = BackendRequest(query: "对吗？", user: "u", route: "r", event: Self.event("对吗？"))
        #expect(request.queryQuoting() == "对吗？")
        request.quote = "第一行\n第二行"
        #expect(request.queryQuoting() == "> 第一行\n> 第二行\n\n对吗？")
        #expect(request.queryQuoting(maxCharacters: 2) == "> 第一…\n\n对吗？")
    }
}
