import Foundation
import HummingbirdWSClient
import SwitchboardCore

/// The AI bot's socket as the deliveries see it (platforms-2.md §2.5, platforms-3.md §7): the
/// connection's writer while one is up, and the commands waiting for their acks.
///
/// An ack names only the `req_id`, and every frame of one answer reuses the push's `req_id`, so
/// commands are sent in lanes, one lane per `req_id`, as the official SDKs do (`aibot-node-sdk`
/// `src/ws.ts` `processReplyQueue`, the Python SDK's `_process_reply_queue`): one command of a lane
/// in flight at a time, the next sent when its ack arrives or its own wait ends. Each wait belongs
/// to one command (a sequence number, the SDK's `seq`): a late timer never fails a later command,
/// and an ack cancels its command's timer. A command sent while no connection is up, or whose
/// connection drops before the ack, fails with ``WeComAIBotLinkError`` (retryable: the job is tried
/// again on the next connection).
actor WeComAIBotLink {
    /// How long a command waits for its ack: the SDKs' `replyAckTimeout`.
    static let ackTimeout: Duration = .seconds(5)
    /// At most this many commands wait in one lane (the Python SDK's `max_reply_queue_size`).
    static let maxLaneLength = 100

    private struct Command {
        let sequence: UInt64
        let text: String
        let timeout: Duration
        let continuation: CheckedContinuation<JSONValue, any Error>
        var timer: Task<Void, Never>?
    }

    private struct Lane {
        var inFlight: Command?
        var queued: [Command] = []
    }

    private var writer: WebSocketOutboundWriter?
    private var lanes: [String: Lane] = [:]
    private var sequence: UInt64 = 0
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

    /// The connection ended: every command in flight or queued fails.
    func detach() {
        writer = nil
        let all = lanes
        lanes = [:]
        for lane in all.values {
            for command in [lane.inFlight].compactMap({ $0 }) + lane.queued {
                command.timer?.cancel()
                command.continuation.resume(throwing: WeComAIBotLinkError(kind: .down))
            }
        }
    }

    /// Sends `frame` (its `headers.req_id` is `reqID`) once the lane's earlier commands are done,
    /// and returns its ack; fails when no ack comes within `timeout` of sending it.
    func request(_ frame: JSONValue, reqID: String, timeout: Duration = WeComAIBotLink.ackTimeout) async throws -> JSONValue {
        guard writer != nil else { throw WeComAIBotLinkError(kind: .down) }
        guard (lanes[reqID]?.queued.count ?? 0) < Self.maxLaneLength else { throw WeComAIBotLinkError(kind: .busy) }
        let text = String(decoding: JSONWriter.data(frame), as: UTF8.self)
        return try await withCheckedThrowingContinuation { continuation in
            sequence += 1
            lanes[reqID, default: Lane()].queued.append(Command(sequence: sequence, text: text, timeout: timeout, continuation: continuation))
            if lanes[reqID]?.inFlight == nil { sendNext(in: reqID) }
        }
    }

    /// Sends `frame` without waiting for anything (a welcome reply).
    func send(_ frame: JSONValue) async throws {
        guard let writer else { throw WeComAIBotLinkError(kind: .down) }
        try await writer.write(.text(String(decoding: JSONWriter.data(frame), as: UTF8.self)))
    }

    /// Hands an ack to the command in flight in its lane; false when none waits for it.
    @discardableResult
    func resolve(_ ack: JSONValue) -> Bool {
        guard let reqID = ack["headers"]?["req_id"]?.string, let command = lanes[reqID]?.inFlight else { return false }
        finish(reqID, command.sequence, .success(ack))
        return true
    }

    private func sendNext(in reqID: String) {
        guard var lane = lanes[reqID], lane.inFlight == nil else { return }
        guard !lane.queued.isEmpty else {
            lanes[reqID] = nil
            return
        }
        var command = lane.queued.removeFirst()
        guard let writer else {
            lanes[reqID] = lane
            command.continuation.resume(throwing: WeComAIBotLinkError(kind: .down))
            return sendNext(in: reqID)
        }
        let (sequence, text, timeout) = (command.sequence, command.text, command.timeout)
        // The command's own timer: it fails this command only (its sequence), and the ack cancels it.
        command.timer = Task {
            do {
                try await writer.write(.text(text))
            } catch {
                self.finish(reqID, sequence, .failure(WeComAIBotLinkError(kind: .down)))
                return
            }
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return
            }
            self.finish(reqID, sequence, .failure(WeComAIBotLinkError(kind: .timeout)))
        }
        lane.inFlight = command
        lanes[reqID] = lane
    }

    /// Ends the command `sequence` of lane `reqID` — unless another command is in flight there by
    /// now (a stale timer) — and sends the lane's next one.
    private func finish(_ reqID: String, _ sequence: UInt64, _ result: Result<JSONValue, WeComAIBotLinkError>) {
        guard var lane = lanes[reqID], let command = lane.inFlight, command.sequence == sequence else { return }
        command.timer?.cancel()
        lane.inFlight = nil
        lanes[reqID] = lane
        command.continuation.resume(with: result.mapError { $0 as any Error })
        sendNext(in: reqID)
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
    enum Kind { case down, timeout, busy }
    let kind: Kind
    var isRetryable: Bool { true }
    /// A timed-out command may have been carried out.
    var mayHaveArrived: Bool { kind == .timeout }
    var description: String {
        switch kind {
        case .down: "the WeCom AI bot's long connection is not up; the answer is sent once it is back"
        case .timeout: "WeCom did not acknowledge the AI bot's command within \(WeComAIBotLink.ackTimeout)"
        case .busy: "over \(WeComAIBotLink.maxLaneLength) commands wait for one WeCom AI bot message; tried again later"
        }
    }
}
