import Foundation

/// The parts of one answer a delivery has sent, kept in reply state, so that a retry sends only
/// the rest — and the part that was on its way when the attempt ended (the process was killed,
/// the connection lost), which a retry sends again marked *uncertain*: the platform may have taken
/// it. A platform that can drop a repeat is told so (WeCom's duplicate check, an idempotency key);
/// one that cannot shows it twice, and the adapter logs that it may.
///
/// One store write before each part and one after the last: the mark of the part in flight is
/// durable before the part leaves.
public struct PartProgress: Sendable {
    public let replyState: ReplyStateHandle
    /// The reply-state key (an adapter's own, e.g. `wecom.sent_parts`).
    public let key: String

    public init(replyState: ReplyStateHandle, key: String) {
        self.replyState = replyState
        self.key = key
    }

    struct Record: Codable, Equatable {
        /// Parts sent and confirmed.
        var sent: Int
        /// The part being sent when the record was written.
        var inFlight: Int?
    }

    /// How many parts are confirmed sent (a record from before in-flight marks holds just that).
    public func sent() async throws -> Int {
        try await record().sent
    }

    func record() async throws -> Record {
        guard let data = try await replyState.load(key) else { return Record(sent: 0) }
        if let record = try? JSONDecoder().decode(Record.self, from: data) { return record }
        return Record(sent: (try? JSONDecoder().decode(Int.self, from: data)) ?? 0)
    }

    /// Sends `parts` from the first not yet confirmed: `send(part, index, uncertain)`, where
    /// `uncertain` says an earlier attempt may have delivered this very part. A part whose send
    /// failed with an error that says the platform did not take it (``DeliveryUncertainty``) is
    /// not uncertain on the next attempt — unless it was uncertain already: a refused resend says
    /// nothing of the earlier attempt's send, which may still have arrived.
    public func send<Part: Sendable>(
        _ parts: [Part], _ send: (_ part: Part, _ index: Int, _ uncertain: Bool) async throws -> Void
    ) async throws {
        let loaded = try await record()
        var record = loaded
        guard record.sent < parts.count else { return }
        for index in record.sent..<parts.count {
            // Only the part an earlier attempt left in flight; this attempt marks the next part
            // in flight in the same write that confirms the last.
            let uncertain = index == loaded.sent && loaded.inFlight == index
            if record.inFlight != index {
                record.inFlight = index
                try await replyState.save(key, record)
            }
            do {
                try await send(parts[index], index, uncertain)
            } catch {
                if !uncertain, let known = error as? any DeliveryUncertainty, !known.mayHaveArrived {
                    record.inFlight = nil
                    try? await replyState.save(key, record)
                }
                throw error
            }
            record.sent = index + 1
            record.inFlight = index + 1 < parts.count ? index + 1 : nil
            try await replyState.save(key, record)
        }
    }
}

/// An error of a send that says whether the platform may have taken the message — a lost
/// connection or a time-out: yes; an answer with an error code: no.
public protocol DeliveryUncertainty: Error {
    var mayHaveArrived: Bool { get }
}
