import Foundation
import HummingbirdWSClient
import SwitchboardCore

/// The AI bot's socket as the deliveries see it (platforms-2.md §2.5): the connection's writer
/// while one is up, and the commands waiting for their acks by `req_id`. A command sent while no
/// connection is up, or whose connection drops before the ack, fails with ``WeComAIBotLinkError``
/// (retryable: the job is tried again on the next connection).
actor WeComAIBotLink {
    private var writer: WebSocketOutboundWriter?
    private var pending: [String: CheckedContinuation<JSONValue, any Error>] = [:]
    /// Another replica holds the bot's connection.
    private(set) var standingBy = false

    var isUp: Bool { writer != nil }

    func setStandingBy(_ value: Bool) {
        standingBy = value
    }

    /// An answer can go out here: the connection is up, or this replica is the one that (re)opens it.
    var canDeliver: Bool { writer != nil || !standingBy }

    func attach(_ writer: WebSocketOutboundWriter) {
        self.writer = writer
    }

    /// The connection ended: commands waiting for an ack fail.
    func detach() {
        writer = nil
        let waiting = pending
        pending = [:]
        for (_, continuation) in waiting { continuation.resume(throwing: WeComAIBotLinkError(kind: .down)) }
    }

    /// Sends `frame` (its `headers.req_id` is `reqID`) and returns its ack; fails after `timeout`.
    func request(_ frame: JSONValue, reqID: String, timeout: Duration = .seconds(5)) async throws -> JSONValue {
        guard let writer else { throw WeComAIBotLinkError(kind: .down) }
        return try await withCheckedThrowingContinuation { continuation in
            pending[reqID] = continuation
            Task {
                do {
                    try await writer.write(.text(String(decoding: JSONWriter.data(frame), as: UTF8.self)))
                } catch {
                    self.fail(reqID, WeComAIBotLinkError(kind: .down))
                }
                try? await Task.sleep(for: timeout)
                self.fail(reqID, WeComAIBotLinkError(kind: .timeout))
            }
        }
    }

    /// Sends `frame` without waiting for anything (a welcome reply).
    func send(_ frame: JSONValue) async throws {
        guard let writer else { throw WeComAIBotLinkError(kind: .down) }
        try await writer.write(.text(String(decoding: JSONWriter.data(frame), as: UTF8.self)))
    }

    /// Hands an ack to its waiting command; false when nobody waits for it.
    @discardableResult
    func resolve(_ ack: JSONValue) -> Bool {
        guard let reqID = ack["headers"]?["req_id"]?.string, let continuation = pending.removeValue(forKey: reqID) else { return false }
        continuation.resume(returning: ack)
        return true
    }

    private func fail(_ reqID: String, _ error: WeComAIBotLinkError) {
        pending.removeValue(forKey: reqID)?.resume(throwing: error)
    }

    /// `{cmd}_{unix ms}_{8 hex}`, as the SDK makes them.
    static func reqID(_ command: String) -> String {
        "\(command)_\(Int64(Date().timeIntervalSince1970 * 1000))_\(String(format: "%08x", UInt32.random(in: .min ... .max)))"
    }

    static func frame(_ command: String, reqID: String, body: JSONValue? = nil) -> JSONValue {
        var frame: [String: JSONValue] = ["cmd": .string(command), "headers": ["req_id": .string(reqID)]]
        if let body { frame["body"] = body }
        return .object(frame)
    }
}

/// A command that could not be answered over the socket.
struct WeComAIBotLinkError: Error, RetryableError, DeliveryUncertainty, CustomStringConvertible {
    enum Kind { case down, timeout }
    let kind: Kind
    var isRetryable: Bool { true }
    /// A timed-out command may have been carried out.
    var mayHaveArrived: Bool { kind == .timeout }
    var description: String {
        switch kind {
        case .down: "the WeCom AI bot's long connection is not up; the answer is sent once it is back"
        case .timeout: "WeCom did not acknowledge the AI bot's command within 5 s"
        }
    }
}
