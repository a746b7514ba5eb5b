import Foundation

/// The built-in commands: `/help` and `/reset` for everyone, `/status` and `/reset all` for the
/// `admins:`.
extension Engine {
    static let adminOnlyNotice = "⛔ 只有管理员可以使用这个命令。/ Only the bot's admins may use this command."

    /// The answer to a command (already allowed for this sender).
    func commandAnswer(_ command: BuiltInCommand, targets: [RouteMatch], event: ChatEvent) async throws -> String {
        switch command {
        case .help:
            return helpText(admin: router.policy.isAdmin(event))
        case .reset:
            for target in targets {
                let key = target.scopeKey(for: event)
                // Advances the scope's generation too, so an answer of this scope still being
                // written cannot store its (old) conversation id afterwards.
                let forgotten = try await store.resetConversation(key, now: clock())
                await backends[target.backend]?.conversationReset(
                    ConversationReset(user: target.linkedPrincipal(of: event) ?? Self.user(for: event, scope: target.scope), conversationID: forgotten?.id, scope: key)
                )
            }
            return "✅ 已开始新的对话。/ Started a new conversation."
        case .resetAll:
            var count = 0
            for backend in Set(targets.map(\.backend)).sorted() {
                let prefix = "\(backend)|\(event.bot)|chat:\(event.conversation.id)"
                for forgotten in try await store.resetConversations(under: prefix, now: clock()) {
                    count += 1
                    await backends[backend]?.conversationReset(
                        ConversationReset(user: Self.user(ofScopeKey: forgotten.key, prefix: "\(backend)|\(event.bot)|", event: event), conversationID: forgotten.stored?.id, scope: forgotten.key)
                    )
                }
            }
            return "✅ 已重置本群的 \(count) 个对话。/ Reset \(count) conversation\(count == 1 ? "" : "s") in this chat."
        case .status:
            return await statusText()
        }
    }

    /// The backend user of a scope key found by `/reset all`: the user in a per-user key, else the
    /// chat (as ``user(for:scope:)`` makes them).
    static func user(ofScopeKey key: String, prefix: String, event: ChatEvent) -> String {
        let rest = key.dropFirst(prefix.count)
        if let user = rest.range(of: "|user:") {
            return "\(event.platform):\(event.bot):\(rest[user.upperBound...])"
        }
        return "\(event.platform):\(event.bot):" + rest.replacingOccurrences(of: "/thread:", with: "/")
    }

    /// `/status`: the queue and every backend's online check, in one message.
    func statusText() async -> String {
        var lines = ["**Switchboard status**"]
        if let queue = try? await store.queueStats() {
            var line = "- 队列 / queue: \(queue.pending) waiting, \(queue.leased) running"
            if let since = queue.oldestPendingSince {
                line += ", oldest waiting \(Int(max(0, clock().timeIntervalSince(since))))s"
            }
            lines.append(line)
        } else {
            lines.append("- 队列 / queue: the state store does not answer")
        }
        let backends = self.backends
        let checks = await withTaskGroup(of: (String, BackendCheck).self) { group in
            for (name, backend) in backends {
                group.addTask { (name, await backend.checkOnline()) }
            }
            return await group.reduce(into: [String: BackendCheck]()) { $0[$1.0] = $1.1 }
        }
        for name in checks.keys.sorted() {
            let check = checks[name]!
            lines.append("- \(name): \(check.status.rawValue)\(check.detail.isEmpty ? "" : " — \(check.detail)")")
        }
        return lines.joined(separator: "\n")
    }

    func helpText(admin: Bool) -> String {
        var lines = ["**命令 / Commands**"]
        let described: [(BuiltInCommand, String)] = [
            (.reset, "开始新的对话 / start a new conversation"), (.help, "显示本帮助 / show this help"),
            (.status, "队列与后端状态（管理员）/ queue and backend health (admins)"),
            (.resetAll, "重置本群所有对话（管理员）/ reset every conversation in this chat (admins)"),
        ]
        for (command, text) in described where admin || !command.isAdminOnly {
            if let words = router.commands.words[command], !words.isEmpty {
                lines.append("- \(words.joined(separator: ", ")) — \(text)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
