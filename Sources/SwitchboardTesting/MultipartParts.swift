public import Foundation

/// A `multipart/form-data` body taken apart, as the fakes of upload APIs read it (written here,
/// apart from the code that builds such bodies).
public struct MultipartPart: Sendable, Equatable {
    public var name: String
    public var fileName: String?
    public var contentType: String?
    public var data: Data

    public var text: String { String(decoding: data, as: UTF8.self) }

    /// The parts of `body`, or nil when `contentType` names no boundary or the body does not
    /// follow it.
    public static func parse(_ body: Data, contentType: String?) -> [MultipartPart]? {
        guard let contentType, let range = contentType.range(of: "boundary=") else { return nil }
        let boundary = contentType[range.upperBound...].split(separator: ";").first.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) } ?? ""
        guard !boundary.isEmpty else { return nil }
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [MultipartPart] = []
        var cursor = body.startIndex
        guard let first = body.range(of: delimiter, in: cursor..<body.endIndex) else { return nil }
        cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { return nil }
            let start = cursor + 2
            guard let next = body.range(of: Data("\r\n".utf8) + delimiter, in: start..<body.endIndex),
                let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: start..<next.lowerBound)
            else { return nil }
            let headers = String(decoding: body[start..<headerEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            var part = MultipartPart(name: "", fileName: nil, contentType: nil, data: Data(body[headerEnd.upperBound..<next.lowerBound]))
            for header in headers {
                let lower = header.lowercased()
                if lower.hasPrefix("content-type:") {
                    part.contentType = header.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                } else if lower.hasPrefix("content-disposition:") {
                    part.name = Self.parameter("name", in: header) ?? ""
                    part.fileName = Self.parameter("filename", in: header)
                }
            }
            parts.append(part)
            cursor = next.upperBound
        }
    }

    private static func parameter(_ key: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix("\(key)=\""), pair.hasSuffix("\"") else { continue }
            return String(pair.dropFirst(key.count + 2).dropLast())
        }
        return nil
    }
}
