public import Foundation

/// Adopted by an adapter whose platform also delivers events over a long-lived connection it
/// opens itself (DingTalk Stream mode): one frame as received ▸ the events and what to send back.
/// It obeys `receive`'s rules — deterministic, no network — so fixtures, the conformance kit and
/// `switchboard decode --stream-frame` run it the same way the connection does.
public protocol StreamFrameDecoding: Sendable {
    func decodeStreamFrame(_ frame: Data, now: Date) throws -> StreamFrameResult
}

/// What one inbound frame means.
public struct StreamFrameResult: Sendable, Equatable {
    /// Events to persist (deduplicated) before `reply` is sent.
    public var events: [ChatEvent]
    /// The frame to send back: an ack once `events` are durable, or the answer to a ping at once.
    public var reply: Data?
    /// The server announced that it will close this connection: open a new one first.
    public var reconnect: Bool

    public init(events: [ChatEvent] = [], reply: Data? = nil, reconnect: Bool = false) {
        self.events = events
        self.reply = reply
        self.reconnect = reconnect
    }
}

extension StreamFrameDecoding {
    /// `decodeStreamFrame` with a refusal turned into its ``WebhookRejection`` (any other error is
    /// a 500), as a long-lived intake and `switchboard decode --stream-frame` run it.
    public func handleFrame(_ frame: Data, now: Date) -> Result<StreamFrameResult, WebhookRejection> {
        do {
            return .success(try decodeStreamFrame(frame, now: now))
        } catch let rejection as WebhookRejection {
            return .failure(rejection)
        } catch {
            return .failure(WebhookRejection(status: .internalServerError, reason: "internal error"))
        }
    }
}

/// What `switchboard decode --stream-frame` prints: the events and the frame sent back.
public struct StreamFrameSummary: Sendable, Codable, Equatable {
    public var events: [ChatEvent]
    /// The frame sent back, when it is text (DingTalk's JSON).
    public var reply: String?
    /// The frame sent back as hex, when it is binary (Feishu's protobuf).
    public var replyHex: String?
    public var reconnect: Bool

    public init(_ result: StreamFrameResult) {
        events = result.events
        // Text is valid UTF-8 without control bytes (other than line breaks and tabs).
        if let reply = result.reply, !reply.contains(where: { $0 < 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
            let text = String(validating: reply, as: UTF8.self)
        {
            self.reply = text
        } else {
            replyHex = result.reply.map(Hex.encode)
        }
        reconnect = result.reconnect
    }

    enum CodingKeys: String, CodingKey {
        case events, reply
        case replyHex = "reply_hex"
        case reconnect
    }
}
