import Foundation
import SwitchboardCore

/// A frame of the long connection (platforms-2.md §1.3–§1.8) through the same decoder as a
/// webhook's plaintext: an `event` frame ▸ its events and the response frame (the ack); control
/// frames and legacy `card` frames ▸ nothing to store and nothing to answer. Pure, so fixtures
/// and `switchboard decode --stream-frame` run it as the connection does.
extension FeishuAppAdapter: StreamFrameDecoding {
    func decodeStreamFrame(_ bytes: Data, now: Date) throws -> StreamFrameResult {
        let frame = try FeishuFrames.parse(bytes)
        if let sum = frame.header("sum").flatMap(Int.init), sum > 1 {
            throw WebhookRejection.badRequest("fragment \(frame.header("seq") ?? "?") of \(sum): fragments are put together before they are decoded")
        }
        guard let events = try events(in: frame, payload: frame.payload) else { return StreamFrameResult() }
        return StreamFrameResult(events: events, reply: try ack(frame, payload: frame.payload, processingMilliseconds: 0))
    }

    /// The events of a whole `event` frame (a reassembled one: `payload` is all its fragments);
    /// nil for a frame that gets no response (control, `card`).
    func events(in frame: Pbbp2_Frame, payload: Data) throws -> [ChatEvent]? {
        guard frame.method == FeishuFrames.data, frame.type == "event" else { return nil }
        let parsed: FeishuPayload
        do {
            parsed = try FeishuPayload.parse(payload)
        } catch {
            throw WebhookRejection.badRequest("the event frame's payload is not JSON")
        }
        return try FeishuEventDecoder(botID: botID, botOpenID: identity.current).events(parsed)
    }

    /// The response to an `event` frame: `{"code": 200}` — for a callback (`card.action.trigger`)
    /// with `data` = base64 of `{}`, which leaves the card as it is.
    func ack(_ frame: Pbbp2_Frame, payload: Data, processingMilliseconds: Int) throws -> Data {
        let isCallback = (try? FeishuPayload.parse(payload))?.header?.eventType == "card.action.trigger"
        return try FeishuFrames.response(
            to: frame, payload: FeishuFrames.responsePayload(code: 200, callbackAnswer: isCallback ? .object([:]) : nil),
            processingMilliseconds: processingMilliseconds
        ).serializedBytes()
    }
}
