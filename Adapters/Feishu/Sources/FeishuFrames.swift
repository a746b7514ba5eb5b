import Foundation
import SwiftProtobuf
import SwitchboardCore

/// Building and reading the long connection's protobuf frames (platforms-2.md §1.3, §1.5, §1.7).
/// The message types are generated from `Adapters/Feishu/Proto/pbbp2.proto`.
enum FeishuFrames {
    static let control: Int32 = 0
    static let data: Int32 = 1

    /// The client's ping: SeqID and LogID 0, the endpoint's `service_id`, one header `type=ping`.
    static func ping(service: Int32) -> Pbbp2_Frame {
        var frame = Pbbp2_Frame()
        frame.seqID = 0
        frame.logID = 0
        frame.service = service
        frame.method = control
        frame.headers = [header("type", "ping")]
        return frame
    }

    /// The response to an event: the received frame as it is, its headers plus `biz_rt` (the
    /// processing time in ms), the payload replaced by the response JSON.
    static func response(to frame: Pbbp2_Frame, payload: Data, processingMilliseconds: Int) -> Pbbp2_Frame {
        var answer = frame
        answer.headers.append(header("biz_rt", String(processingMilliseconds)))
        answer.payload = payload
        return answer
    }

    /// `{"code": 200}` for an event — the bytes the Python SDK writes (platforms-2.md §5.1); for a
    /// callback, `data` carries its answer as base64 of its JSON.
    static func responsePayload(code: Int, callbackAnswer: JSONValue? = nil) -> Data {
        guard let callbackAnswer else { return Data(#"{"code": \#(code)}"#.utf8) }
        return Data(#"{"code": \#(code), "data": "\#(JSONWriter.data(callbackAnswer).base64EncodedString())"}"#.utf8)
    }

    static func header(_ key: String, _ value: String) -> Pbbp2_Header {
        var header = Pbbp2_Header()
        header.key = key
        header.value = value
        return header
    }

    static func parse(_ bytes: Data) throws -> Pbbp2_Frame {
        do {
            return try Pbbp2_Frame(serializedBytes: bytes)
        } catch {
            throw WebhookRejection.badRequest("not a Feishu long-connection frame (protobuf pbbp2.Frame): \(error)")
        }
    }
}

extension Pbbp2_Frame {
    /// The first header named `key`.
    func header(_ key: String) -> String? {
        headers.first { $0.key == key }?.value
    }

    var type: String? { header("type") }
}
