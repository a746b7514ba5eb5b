public import Foundation

/// Small per-reply state for one job, kept in the ``StateStore``: what a delivery has already
/// sent, stream text a platform poll reads. It survives retries (and restarts, with a durable
/// store), so a delivery that failed halfway can resume instead of sending a part twice.
///
/// The engine's handles also keep, in memory, what the store did not take while it was
/// unreachable (``UnsavedReplyStates``): the job's next attempt in this process reads that, so a
/// part sent just before an outage is not sent again after it.
public struct ReplyStateHandle: Sendable {
    public let store: any StateStore
    public let jobID: String
    let unsaved: UnsavedReplyStates?

    public init(store: any StateStore, jobID: String) {
        self.init(store: store, jobID: jobID, unsaved: nil)
    }

    init(store: any StateStore, jobID: String, unsaved: UnsavedReplyStates?) {
        self.store = store
        self.jobID = jobID
        self.unsaved = unsaved
    }

    public func load(_ key: String) async throws -> Data? {
        if let pending = unsaved?.value(job: jobID, key: key) { return pending }
        return try await store.replyState(job: jobID, key: key)
    }

    public func save(_ key: String, _ value: Data) async throws {
        do {
            try await store.saveReplyState(job: jobID, key: key, value: value)
            unsaved?.saved(job: jobID, key: key)
        } catch {
            if !(error is CancellationError) { unsaved?.keep(job: jobID, key: key, value: value) }
            throw error
        }
    }

    public func load<T: Decodable>(_ type: T.Type, _ key: String) async throws -> T? {
        guard let data = try await load(key) else { return nil }
        return try JSONDecoder().decode(type, from: data)
    }

    public func save(_ key: String, _ value: some Encodable) async throws {
        try await save(key, try JSONEncoder().encode(value))
    }
}
