import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting

/// Spans as a fake OTLP collector received them: OTLP/HTTP with JSON bodies
/// (`ExportTraceServiceRequest`), decoded here independently of the exporter.
struct ExportedSpan {
    var name: String
    var traceID: String
    var spanID: String
    var parentSpanID: String
    var attributes: [String: String]
    var links: [(traceID: String, spanID: String)]
    var serviceName: String?
}

enum OTLPSpans {
    /// What the collector answers: an empty `ExportTraceServiceResponse`.
    static let accepted = WebhookResponse(status: .ok, headers: [.contentType: "application/json"], body: Data("{}".utf8))

    static func decode(_ requests: [RecordedRequest]) throws -> [ExportedSpan] {
        var spans: [ExportedSpan] = []
        for request in requests where request.path == "/v1/traces" {
            guard request.headers[.contentType] == "application/json" else { throw CLIError("OTLP request content type \(request.headers[.contentType] ?? "none")") }
            let export = try JSONSerialization.jsonObject(with: request.body) as? [String: Any] ?? [:]
            for resourceSpans in export["resourceSpans"] as? [[String: Any]] ?? [] {
                let resource = attributes((resourceSpans["resource"] as? [String: Any])?["attributes"])
                for scope in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        spans.append(ExportedSpan(
                            name: span["name"] as? String ?? "",
                            traceID: hex(span["traceId"]), spanID: hex(span["spanId"]), parentSpanID: hex(span["parentSpanId"]),
                            attributes: attributes(span["attributes"]),
                            links: (span["links"] as? [[String: Any]] ?? []).map { (hex($0["traceId"]), hex($0["spanId"])) },
                            serviceName: resource["service.name"]
                        ))
                    }
                }
            }
        }
        return spans
    }

    /// Attribute values as text (a string array joined by commas).
    private static func attributes(_ value: Any?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in value as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
            if let text = value["stringValue"] as? String {
                result[key] = text
            } else if let number = value["intValue"] {
                result[key] = "\(number)"
            } else if let array = (value["arrayValue"] as? [String: Any])?["values"] as? [[String: Any]] {
                result[key] = array.compactMap { $0["stringValue"] as? String }.joined(separator: ",")
            }
        }
        return result
    }

    /// Ids as lowercase hex: the OTLP JSON spec says hex; protobuf's JSON mapping gives base64.
    private static func hex(_ value: Any?) -> String {
        guard let text = value as? String, !text.isEmpty else { return "" }
        if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text) else { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}
