import Foundation
import HTTPTypes
import SwitchboardCore

/// Changes one byte of what a request's signature covers — inside the signed value, not in the
/// envelope around it — so that "verify before parse" is really tested: a changed base64 byte
/// stays base64 (an adapter that decrypted first would answer 400, not 401).
enum Tamper {
    static let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Requests with one byte changed in what `part` names, and where: the middle of a signed
    /// value or header; for a signed body its first byte (so a body that no longer parses must
    /// still be 401, not 400) and its middle byte. None when there is nothing to change (an empty
    /// body). A part the request does not carry falls back to the body.
    static func changingOneByte(of part: SignedPart, in request: WebhookRequest) -> [(request: WebhookRequest, where: String)] {
        var changedRequest = request
        switch part {
        case .header(let name):
            guard let field = HTTPField.Name(name), let value = request.headers[field], !value.isEmpty else { break }
            var bytes = Array(value.utf8)
            bytes[bytes.count / 2] = changed(bytes[bytes.count / 2])
            changedRequest.headers[field] = String(decoding: bytes, as: UTF8.self)
            return [(changedRequest, "in header \(name)")]
        case .jsonString(let key):
            if let range = jsonStringValue(key, in: request.body) {
                changedRequest.body[range.lowerBound + range.count / 2] = changed(request.body[range.lowerBound + range.count / 2])
                return [(changedRequest, "in the JSON value \(key)")]
            }
        case .xmlElement(let tag):
            if let range = xmlText(tag, in: request.body) {
                changedRequest.body[range.lowerBound + range.count / 2] = changed(request.body[range.lowerBound + range.count / 2])
                return [(changedRequest, "in the XML element \(tag)")]
            }
        case .body:
            break
        }
        guard !request.body.isEmpty else { return [] }
        return [(0, "at the start of the body"), (request.body.count / 2, "in the middle of the body")].map { offset, place in
            var tampered = request
            let index = request.body.startIndex + offset
            tampered.body[index] = changed(request.body[index])
            return (tampered, place)
        }
    }

    /// Another byte: the next base64 character for one, else the low bit flipped.
    static func changed(_ byte: UInt8) -> UInt8 {
        guard let index = base64.firstIndex(of: byte) else { return byte ^ 0x01 }
        return base64[(index + 1) % base64.count]
    }

    /// The bytes of the string value of `"key": "…"` (a value without escapes, as base64 is).
    static func jsonStringValue(_ key: String, in body: Data) -> Range<Int>? {
        let bytes = [UInt8](body)
        guard let keyEnd = find(Array("\"\(key)\"".utf8), in: bytes, from: 0) else { return nil }
        var index = keyEnd
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x3A || bytes[index] == 0x0A || bytes[index] == 0x09 { index += 1 }
        guard index < bytes.count, bytes[index] == 0x22 else { return nil }
        let start = index + 1
        guard let end = bytes[start...].firstIndex(where: { $0 == 0x22 || $0 == 0x5C }), end > start else { return nil }
        return (body.startIndex + start)..<(body.startIndex + end)
    }

    /// The bytes of `<Tag>text</Tag>` or `<Tag><![CDATA[text]]></Tag>`.
    static func xmlText(_ tag: String, in body: Data) -> Range<Int>? {
        let bytes = [UInt8](body)
        guard var start = find(Array("<\(tag)>".utf8), in: bytes, from: 0),
            let close = find(Array("</\(tag)>".utf8), in: bytes, from: start).map({ $0 - "</\(tag)>".utf8.count })
        else { return nil }
        var end = close
        let cdata = Array("<![CDATA[".utf8)
        if bytes[start...].starts(with: cdata) {
            start += cdata.count
            end -= 3
        }
        guard end > start else { return nil }
        return (body.startIndex + start)..<(body.startIndex + end)
    }

    /// The index just past the first occurrence of `needle` at or after `from`.
    private static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var index = from
        while index + needle.count <= bytes.count {
            if bytes[index..<(index + needle.count)].elementsEqual(needle) { return index + needle.count }
            index += 1
        }
        return nil
    }
}
