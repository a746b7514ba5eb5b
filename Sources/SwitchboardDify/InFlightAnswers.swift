import Foundation
import SwitchboardCore
import Synchronization

/// The answers a backend is generating right now, so that `/reset` can stop the one of the
/// conversation it ends (Dify's stop API needs the task id and the same user).
final class InFlightAnswers: Sendable {
    struct Answer: Sendable {
        var user: String
        /// The engine's conversation scope key: what a reset names.
        var scope: String
        var conversationID: String?
        var taskID: String?
        /// `/reset` ended this answer's conversation.
        var reset = false
        /// The stop request has been sent.
        var stopRequested = false
    }

    private let answers = Mutex<[UUID: Answer]>([:])

    /// Adds an answer; it is removed when the returned registration is released.
    func register(user: String, scope: String, conversationID: String?) -> Registration {
        let id = UUID()
        answers.withLock { $0[id] = Answer(user: user, scope: scope, conversationID: conversationID) }
        return Registration(id: id, answers: self)
    }

    /// Marks the answers of the reset scope as reset and returns the task ids to stop now. Only
    /// that scope: the same Dify user may have answers running in other chats (under the default
    /// scope the user id is the sender's everywhere), and a first-turn answer not yet tied to a
    /// conversation is matched by its scope, never by the user alone.
    func reset(_ reset: ConversationReset) -> [String] {
        answers.withLock { answers in
            var stop: [String] = []
            for (id, answer) in answers where answer.scope == reset.scope && answer.user == reset.user {
                answers[id]?.reset = true
                if let task = answer.taskID, !answer.stopRequested {
                    answers[id]?.stopRequested = true
                    stop.append(task)
                }
            }
            return stop
        }
    }

    fileprivate func update(_ id: UUID, taskID: String?, conversationID: String?) -> (reset: Bool, stopTask: String?) {
        answers.withLock { answers in
            guard var answer = answers[id] else { return (false, nil) }
            if let taskID { answer.taskID = taskID }
            if let conversationID { answer.conversationID = conversationID }
            var stop: String?
            if answer.reset, !answer.stopRequested, let task = answer.taskID {
                answer.stopRequested = true
                stop = task
            }
            answers[id] = answer
            return (answer.reset, stop)
        }
    }

    fileprivate func remove(_ id: UUID) {
        _ = answers.withLock { $0.removeValue(forKey: id) }
    }

    var count: Int { answers.withLock { $0.count } }

    /// One answer's entry; released (and removed) with the answer's iterator.
    final class Registration: Sendable {
        let id: UUID
        let answers: InFlightAnswers

        fileprivate init(id: UUID, answers: InFlightAnswers) {
            self.id = id
            self.answers = answers
        }

        /// Records what the stream has told; says whether the conversation was reset meanwhile
        /// and which task to stop because of it (once).
        func update(taskID: String?, conversationID: String?) -> (reset: Bool, stopTask: String?) {
            answers.update(id, taskID: taskID, conversationID: conversationID)
        }

        deinit {
            answers.remove(id)
        }
    }
}
