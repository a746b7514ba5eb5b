extension RoutingRule: CustomStringConvertible {
    /// One line for people: `finance: group chats, keywords 报销|发票 → finance (per_user_in_chat)`.
    public var description: String {
        var conditions: [String] = []
        if let platforms { conditions.append("platform \(platforms.sorted().joined(separator: "|"))") }
        if let bots { conditions.append("bot \(bots.sorted().joined(separator: "|"))") }
        if let chatType { conditions.append("\(chatType.rawValue) chats") }
        if let chatIDs { conditions.append("chats \(chatIDs.sorted().joined(separator: "|"))") }
        switch trigger {
        case .any: conditions.append("every message")
        case .mention: conditions.append("@-mentions")
        case .keywords(let words): conditions.append("keywords \(words.joined(separator: "|"))")
        case .prefix(let prefixes): conditions.append("prefix \(prefixes.joined(separator: "|")) (stripped)")
        case .regex(let pattern): conditions.append("regex /\(pattern.source)/")
        }
        return "\(name): \(conditions.joined(separator: ", ")) → \(backend) (\(scope.rawValue))"
    }
}
