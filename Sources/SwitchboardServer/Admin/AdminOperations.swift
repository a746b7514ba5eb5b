public import Foundation
public import SwitchboardCore

/// The admin API's job and conversation operations on a store directly — what `switchboard jobs`
/// and `switchboard conversations` use when no server answers. The JSON is the API's.
public struct AdminOperations: Sendable {
    let service: AdminService

    public init(store: any StateStore, setup: SwitchboardSetup) {
        service = AdminService(store: store, live: LiveSetup(setup), mainBaseURL: { "" }, clock: { Date() })
    }

    public func listJobs(status: String?, bot: String?, limit: Int) async throws -> Data {
        try await run { try await service.jobs(status: status, bot: bot, since: nil, limit: limit) }
    }

    public func showJob(id: String) async throws -> Data {
        try await run { try await service.job(id: id) }
    }

    public func retryJob(id: String) async throws -> Data {
        try await run { try await service.retry(id: id) }
    }

    public func discardJob(id: String) async throws -> Data {
        try await run { try await service.discard(id: id) }
    }

    public func resetConversation(key: String) async throws -> Data {
        try await run { try await service.resetConversation(key: key) }
    }

    private func run(_ operation: () async throws -> some Encodable) async throws -> Data {
        do {
            return try AdminRoutes.encoder.encode(try await operation())
        } catch let error as AdminError {
            throw AdminOperationError(status: error.status, message: error.description)
        }
    }
}

/// An admin operation refused: the API's status and its one-line reason.
public struct AdminOperationError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var description: String { message }

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }
}
