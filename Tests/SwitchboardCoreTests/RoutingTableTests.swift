import Foundation
import SwitchboardCore
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

@Suite("Routing")
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

@Suite("Routing validation")
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
