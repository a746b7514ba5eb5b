import Foundation
import SwitchboardCore
import SwitchboardServer

/// The samples of a Prometheus text exposition (format 0.0.4), read strictly enough that a
/// malformed line fails the test that scrapes it.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []
    /// `# TYPE` lines: metric name ▸ type.
    var types: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw CLIError("bad TYPE line: \(line)") }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try Self.sample(String(line)))
        }
    }

    private static func sample(_ line: String) throws -> Sample {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            throw CLIError("bad sample line: \(line)")
        }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
        guard series.last == "}" else { throw CLIError("bad labels: \(line)") }
        var labels: [String: String] = [:]
        let body = series[series.index(after: brace)..<series.index(before: series.endIndex)]
        // name="value" pairs; values here never hold quotes or commas.
        for pair in body.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[1].first == "\"", parts[1].last == "\"" else { throw CLIError("bad label \(pair) in \(line)") }
            labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
        }
        return Sample(name: String(series[..<brace]), labels: labels, value: value)
    }

    /// The value of the one sample named `name` whose labels include `labels`; nil when none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }

    /// Every metric family name (histogram and summary samples under their family's name).
    var families: Set<String> {
        Set(samples.map { sample in
            for suffix in ["_bucket", "_sum", "_count"] where sample.name.hasSuffix(suffix) {
                let family = String(sample.name.dropLast(suffix.count))
                if types[family] == "histogram" || types[family] == "summary" { return family }
            }
            return sample.name
        })
    }

    /// Every sample name, as a query names them (`…_bucket`, `…_count` included).
    var sampleNames: Set<String> { Set(samples.map(\.name)) }
}

/// `GET /metrics` of a running server.
func scrapeMetrics(port: Int) async throws -> PrometheusText {
    let response = try await AsyncHTTPClientTransport().execute(OutboundRequest(method: .get, url: "http://127.0.0.1:\(port)/metrics"))
    let body = try await response.body.collect(upTo: 4 << 20)
    guard response.status == .ok else { throw CLIError("GET /metrics answered \(response.status.code)") }
    let type = response.headers[.contentType] ?? "none"
    guard type.hasPrefix("text/plain; version=0.0.4") else { throw CLIError("GET /metrics content type: \(type)") }
    return try PrometheusText(String(decoding: body, as: UTF8.self))
}
