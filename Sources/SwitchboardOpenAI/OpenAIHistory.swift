import Foundation
import SwitchboardCore

/// The earlier turns of a conversation. Chat Completions APIs keep nothing, so Switchboard keeps
/// them: as the scope's stored "conversation" (the state store's conversation map, which `/reset`
/// clears and retention ages out), bounded by turns and by characters, newest kept.
struct OpenAIHistory: Codable, Sendable, Equatable {
    struct Turn: Codable, Sendable, Equatable {
        var question: String
        var answer: String
    }

    var turns: [Turn] = []

    /// The stored form: compact JSON, prefixed so it is never taken for another backend's id.
    static let prefix = "openai-history:"

    init(turns: [Turn] = []) {
        self.turns = turns
    }

    /// What the store holds for the scope; empty when nothing (or something else) is there.
    init(stored: String?) {
        guard let stored, stored.hasPrefix(Self.prefix),
            let decoded = try? JSONDecoder().decode(OpenAIHistory.self, from: Data(stored.dropFirst(Self.prefix.count).utf8))
        else { return }
        self = decoded
    }

    var stored: String {
        Self.prefix + String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{\"turns\":[]}".utf8), as: UTF8.self)
    }

    /// With `turn` added, then the oldest dropped until at most `turns` remain and their text
    /// fits `characters`.
    func adding(_ turn: Turn, keepingTurns maxTurns: Int, characters: Int) -> OpenAIHistory {
        var kept = Array((turns + [turn]).suffix(maxTurns))
        while !kept.isEmpty, kept.reduce(0, { $0 + $1.question.count + $1.answer.count }) > characters {
            kept.removeFirst()
        }
        return OpenAIHistory(turns: kept)
    }
}
