import Foundation
import HTTPTypes
import SwitchboardCore

/// Writes recorded cases in the fixture layout: `<dir>/<bot>/<UTC time>-<n>/request.json` (bot,
/// method, url, headers, `body_file`, `now`; `stream_frame` for a frame), the body as received
/// (`body.json`, `body.xml` or `body.bin`), `response.json` (status, and the body as text or hex)
/// and `events.json`. Folders 0700, files 0600.
final class RecordingWriter {
    let directory: URL
    /// A case number for this process, so two cases in one millisecond do not collide.
    private var counter = 0

    init(directory: URL) {
        self.directory = directory
    }

    func write(_ entry: TrafficRecorder.Entry) throws {
        counter += 1
        let stamp = Self.stamp(entry.now)
        let botDirectory = directory.appendingPathComponent(entry.bot)
        try Self.makeDirectory(directory)
        try Self.makeDirectory(botDirectory)
        let caseDirectory = botDirectory.appendingPathComponent("\(stamp)-\(counter)")
        try Self.makeDirectory(caseDirectory)

        var request: [String: JSONValue] = ["bot": .string(entry.bot), "now": .number((entry.now.timeIntervalSince1970 * 1000).rounded() / 1000)]
        let body: Data
        let bodyFile: String
        if let frame = entry.frame {
            request["stream_frame"] = true
            body = frame
            bodyFile = "frame" + Self.extension(of: frame, contentType: nil)
        } else if let webhook = entry.request {
            request["method"] = .string(webhook.method.rawValue)
            request["url"] = .string(webhook.rawQuery.map { "\(webhook.path)?\($0)" } ?? webhook.path)
            // Not kept: where it came from (a proxy's forwarding headers), and credentials that a
            // recording of an authenticated request does not need to be opened again.
            let dropped = Set((Self.droppedHeaders + entry.dropHeaders).map(\.canonicalName))
            var headers: [String: JSONValue] = [:]
            for field in webhook.headers where !dropped.contains(field.name.canonicalName) { headers[field.name.canonicalName] = .string(field.value) }
            request["headers"] = .object(headers)
            body = webhook.body
            bodyFile = "body" + Self.extension(of: body, contentType: webhook.headers[.contentType])
        } else {
            return
        }
        if !body.isEmpty { request["body_file"] = .string(bodyFile) }
        try Self.writeFile(caseDirectory.appendingPathComponent("request.json"), Self.pretty(.object(request)))
        if !body.isEmpty { try Self.writeFile(caseDirectory.appendingPathComponent(bodyFile), body) }
        var response: [String: JSONValue] = ["status": .number(Double(entry.response.status.code))]
        if !entry.response.body.isEmpty {
            if let text = String(data: entry.response.body, encoding: .utf8) {
                response["body"] = .string(text)
            } else {
                response["body_hex"] = .string(Hex.encode(entry.response.body))
            }
        }
        try Self.writeFile(caseDirectory.appendingPathComponent("response.json"), Self.pretty(.object(response)))
        try Self.writeFile(caseDirectory.appendingPathComponent("events.json"), try EventJSON.encode(entry.events) + Data("\n".utf8))
    }

    static let droppedHeaders: [HTTPField.Name] = [
        HTTPField.Name("X-Forwarded-For")!, HTTPField.Name("Forwarded")!, HTTPField.Name("X-Real-IP")!, .authorization, .cookie,
    ]

    static func `extension`(of body: Data, contentType: String?) -> String {
        let type = contentType?.lowercased() ?? ""
        if type.contains("json") || body.first == UInt8(ascii: "{") || body.first == UInt8(ascii: "[") { return ".json" }
        if type.contains("xml") || body.first == UInt8(ascii: "<") { return ".xml" }
        return ".bin"
    }

    /// `20240610T061333.123Z`: sorts by time.
    static func stamp(_ date: Date) -> String {
        let milliseconds = date.unixMilliseconds
        let components = Calendar(identifier: .gregorian).dateComponents(
            in: TimeZone(identifier: "UTC")!, from: Date(timeIntervalSince1970: Double(milliseconds / 1000))
        )
        return String(
            format: "%04d%02d%02dT%02d%02d%02d.%03dZ", components.year ?? 0, components.month ?? 0, components.day ?? 0,
            components.hour ?? 0, components.minute ?? 0, components.second ?? 0, Int(milliseconds % 1000)
        )
    }

    static func pretty(_ value: JSONValue) -> Data {
        let data = (try? JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: JSONWriter.data(value)), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? JSONWriter.data(value)
        return data + Data("\n".utf8)
    }

    static func makeDirectory(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // An existing folder keeps its mode from before: made private here either way.
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
    }

    static func writeFile(_ url: URL, _ data: Data) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw RecordingError("cannot create \(url.lastPathComponent)")
        }
    }
}

struct RecordingError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
