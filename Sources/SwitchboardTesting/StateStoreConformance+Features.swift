import Foundation
import SwitchboardCore

// Conversation features: marks, rate-limit hits, debounce bursts, `/reset all`.
extension StateStoreConformance {
    static let featureChecks: [Check] = [
        Check(name: "a mark holds until its time, is replaced by a later set, and is gone after purge") { store in
            try expect(try await !store.isMarked("mark:linger", now: t0), "an unset mark reads as set")
            try await store.setMark("mark:linger", until: t0.addingTimeInterval(120), now: t0)
            try expect(try await store.isMarked("mark:linger", now: t0.addingTimeInterval(119)), "a mark is not set before its time")
            try expect(try await !store.isMarked("mark:linger", now: t0.addingTimeInterval(120)), "a mark is still set at its time")
            try await store.setMark("mark:linger", until: t0.addingTimeInterval(300), now: t0.addingTimeInterval(100))
            try expect(try await store.isMarked("mark:linger", now: t0.addingTimeInterval(200)), "a later set did not extend the mark")
            try await store.setMark("mark:linger", until: t0.addingTimeInterval(150), now: t0.addingTimeInterval(140))
            try expect(try await !store.isMarked("mark:linger", now: t0.addingTimeInterval(200)), "a set did not replace the mark's time")
            _ = try await store.purge(now: t0.addingTimeInterval(400), policy: RetentionPolicy())
            try expect(try await !store.isMarked("mark:linger", now: t0), "a purged mark reads as set")
        },
        Check(name: "hits are counted up to the limit in their window, each hit once") { store in
            func count(_ hit: String, _ key: String = "rate:u", limit: Int = 3, since: Date = t0, at seconds: Double) async throws -> Int? {
                try await store.countHit(hit, in: [HitCounter(key: key, limit: limit, since: since)], now: t0.addingTimeInterval(seconds))
            }
            for index in 1...3 {
                try expectEqual(try await count("e\(index)", at: Double(index)), nil, "hit \(index) of 3")
            }
            try expectEqual(try await count("e4", at: 5), 0, "a fourth hit over a limit of 3")
            try expectEqual(try await count("e2", at: 6), nil, "a hit counted before, counted again")
            try expectEqual(try await count("e4", "rate:other", at: 6), nil, "another key's first hit")
            // A later window counts only the hits inside it (e3 at 3 s is in it).
            let later = t0.addingTimeInterval(2.5)
            try expectEqual(try await count("e5", since: later, at: 7), nil, "a hit in a new window")
            try expectEqual(try await count("e6", since: later, at: 8), nil, "a second hit in the new window")
            try expectEqual(try await count("e7", since: later, at: 9), 0, "a hit over the new window's limit")
        },
        Check(name: "a hit is counted in all its counters or, when one is full, in none") { store in
            let person = HitCounter(key: "rate:person", limit: 5, since: t0)
            let chat = HitCounter(key: "rate:chat", limit: 2, since: t0)
            try expectEqual(try await store.countHit("e1", in: [person, chat], now: t0), nil, "first hit")
            try expectEqual(try await store.countHit("e2", in: [person, chat], now: t0), nil, "second hit")
            try expectEqual(try await store.countHit("e3", in: [person, chat], now: t0), 1, "a hit over the chat's limit")
            // e3 was not counted for the person: three more fit (5 in all).
            for hit in ["e4", "e5", "e6"] {
                try expectEqual(try await store.countHit(hit, in: [person], now: t0), nil, "the person's hit \(hit)")
            }
            try expectEqual(try await store.countHit("e7", in: [person], now: t0), 0, "the person's sixth hit")
        },
        Check(name: "many hits at once on one key are counted exactly up to the limit") { store in
            let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await store.countHit("e\(index)", in: [HitCounter(key: "rate:burst", limit: 10, since: t0), HitCounter(key: "rate:chat", limit: 100, since: t0)], now: t0) == nil
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try expectEqual(admitted, 10, "hits counted of 40 at once under a limit of 10")
        },
        Check(name: "a burst waits for quiet, is answered once by its first message, and its others are absorbed") { store in
            let quiet = Duration.seconds(2)
            try await store.addToBurst("burst:u", item: "m1", text: "第一行", now: t0)
            try await store.addToBurst("burst:u", item: "m2", text: "second", now: t0.addingTimeInterval(1))
            try await store.addToBurst("burst:u", item: "m2", text: "second again", now: t0.addingTimeInterval(1.2))
            try expectEqual(try await store.claimBurst("burst:u", item: "m1", quiet: quiet, now: t0.addingTimeInterval(1.5)), .wait(until: t0.addingTimeInterval(3)), "claim while the burst grows")
            try await store.addToBurst("burst:u", item: "m3", text: "third", now: t0.addingTimeInterval(2))
            try expectEqual(try await store.claimBurst("burst:u", item: "m1", quiet: quiet, now: t0.addingTimeInterval(4)), .answer(["第一行", "second", "third"]), "claim after quiet")
            try expectEqual(try await store.claimBurst("burst:u", item: "m1", quiet: quiet, now: t0.addingTimeInterval(9)), .answer(["第一行", "second", "third"]), "the same claim again")
            try expectEqual(try await store.claimBurst("burst:u", item: "m2", quiet: quiet, now: t0.addingTimeInterval(9)), .absorbed, "a claimed message's own claim")
            try expectEqual(try await store.claimBurst("burst:u", item: "m9", quiet: quiet, now: t0.addingTimeInterval(9)), .unknown, "a message not in the burst")
            try await store.addToBurst("burst:u", item: "m4", text: "later", now: t0.addingTimeInterval(10))
            try expectEqual(try await store.claimBurst("burst:u", item: "m4", quiet: quiet, now: t0.addingTimeInterval(12)), .answer(["later"]), "a message after the burst was answered")
        },
        Check(name: "reset under a chat resets its scopes, threads and users, and no other chat's") { store in
            for key in ["dify|bot|chat:c1", "dify|bot|chat:c1|user:u1", "dify|bot|chat:c1/thread:t", "dify|bot|chat:c10", "dify|bot|chat:c2|user:u1"] {
                _ = try await store.saveConversation(key, id: "conv-\(key)", generation: 0, now: t0)
            }
            let forgotten = try await store.resetConversations(under: "dify|bot|chat:c1", now: t0.addingTimeInterval(5))
            try expectEqual(forgotten.map(\.key), ["dify|bot|chat:c1", "dify|bot|chat:c1/thread:t", "dify|bot|chat:c1|user:u1"], "keys reset")
            try expectEqual(forgotten.first?.stored?.id, "conv-dify|bot|chat:c1", "forgotten conversation")
            try expectEqual(try await store.conversation("dify|bot|chat:c1|user:u1"), ConversationEntry(stored: nil, generation: 1), "a reset scope")
            try expectEqual(try await store.conversation("dify|bot|chat:c10").stored?.id, "conv-dify|bot|chat:c10", "another chat with the same prefix")
            try expectEqual(try await store.conversation("dify|bot|chat:c2|user:u1").stored?.id, "conv-dify|bot|chat:c2|user:u1", "another chat")
        },
    ]
}
