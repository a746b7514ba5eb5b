import Foundation
import SwitchboardCore

/// A long-connection frame (protobuf `pbbp2.Frame`) as JSON and back, for `switchboard fixture
/// make`: `{"seq_id", "log_id", "service", "method", "headers": [{"key", "value"}…],
/// "payload_encoding", "payload_type", "payload": <the payload's JSON>}` — the headers in order, the
/// payload parsed so its ids are anonymized like a webhook's.
extension FeishuAppAdapter: FrameSealing {
    func openRecordedFrame(_ bytes: Data) throws -> Data {
        let frame = try FeishuFrames.parse(bytes)
        let payload = (try? JSONParser.parse(frame.payload)) ?? .string(frame.payload.base64EncodedString())
        let view: JSONValue = [
            // As strings: a 64-bit id does not survive a JSON number (a double).
            "seq_id": .string(String(frame.seqID)), "log_id": .string(String(frame.logID)), "service": .number(Double(frame.service)),
            "method": .number(Double(frame.method)), "payload_encoding": .string(frame.payloadEncoding), "payload_type": .string(frame.payloadType),
            "headers": .array(frame.headers.map { ["key": .string($0.key), "value": .string($0.value)] }),
            "payload": payload, "payload_is_json": .bool(payload.string == nil),
        ]
        return JSONWriter.data(view)
    }

    func sealRecordedFrame(_ view: Data) throws -> Data {
        let json = try JSONParser.parse(view)
        var frame = Pbbp2_Frame()
        frame.seqID = json["seq_id"]?.string.flatMap { UInt64($0) } ?? 0
        frame.logID = json["log_id"]?.string.flatMap { UInt64($0) } ?? 0
        frame.service = Int32(clamping: json["service"]?.integer ?? 0)
        frame.method = Int32(clamping: json["method"]?.integer ?? Int(FeishuFrames.data))
        frame.payloadEncoding = json["payload_encoding"]?.string ?? ""
        frame.payloadType = json["payload_type"]?.string ?? ""
        frame.headers = (json["headers"]?.array ?? []).map { FeishuFrames.header($0["key"]?.string ?? "", $0["value"]?.string ?? "") }
        if json["payload_is_json"] == .bool(true), let payload = json["payload"] {
            frame.payload = JSONWriter.data(payload)
        } else {
            frame.payload = json["payload"]?.string.flatMap { Data(base64Encoded: $0) } ?? Data()
        }
        return try frame.serializedBytes()
    }
}
