public import Foundation

/// A `multipart/form-data` body (RFC 7578): text fields and files, for the upload APIs (Dify
/// `/files/upload`, the platforms' media uploads).
public struct MultipartForm: Sendable {
    public let boundary: String
    public private(set) var body = Data()

    public init(boundary: String = "switchboard-" + UUID().uuidString.lowercased()) {
        self.boundary = boundary
    }

    /// The request's `Content-Type`.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func add(name: String, value: String) {
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\"\r\n\r\n".utf8))
        body.append(Data(value.utf8))
        body.append(Data("\r\n".utf8))
    }

    public mutating func add(name: String, fileName: String, mimeType: String, data: Data) {
        body.append(Data((
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\"; filename=\"\(Self.quoted(fileName))\"\r\n"
                + "Content-Type: \(mimeType)\r\n\r\n"
        ).utf8))
        body.append(data)
        body.append(Data("\r\n".utf8))
    }

    /// The body with its closing boundary.
    public var finished: Data {
        body + Data("--\(boundary)--\r\n".utf8)
    }

    /// A name or file name inside a quoted header parameter: quotes and line breaks escaped as
    /// browsers do (RFC 7578 §4.2), UTF-8 kept as it is.
    static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }
}
