public import Foundation

/// Small per-reply state for one job, kept in the ``StateStore``: what a delivery has already
/// sent, stream text a platform poll reads. It survives retries (and restarts, with a durable
/// store), so a delivery that failed halfway can resume instead of sending a part twice.
public struct ReplyStateHandle: Sendable {
    public let store: any StateStore
    public let jobID: String

    public init(store: any StateStore, jobID: String) {
        self.store = store
        self.jobID = jobID
    }

    public func load(_ key: String) async throws -> Data? {
        try await store.replyState(job: jobID, key: key)
    }

    public func save(_ key: String, _ value: Data) async throws {
        try await store.saveReplyState(job: jobID, key: key, value: value)
    }

    public func load<T: Decodable>(_ type: T.Type, _ key: String) async throws -> T? {
        guard let data = try await load(key) else { return nil }
        return try JSONDecoder().decode(type, from: data)
    }

    public func save(_ key: String, _ value: some Encodable) async throws {
        try await save(key, try JSONEncoder().encode(value))
    }
}
