import Foundation
import SwitchboardCore
import SwitchboardDify
import SwitchboardTesting
@testable import SwitchboardWeCom
import Testing

/// The parsers every payload goes through: core's JSONParser, WeCom's strict XML reader and the
/// Dify SSE decoder, on mutated fixture bodies and random bytes.
@Suite("Fuzz: parsers", .serialized, .timeLimit(.minutes(5)))
struct DecoderFuzzTests {
    static let loader = try! FixtureLoader(filePath: #filePath)
    static var regressions: URL { loader.root.appendingPathComponent("fuzz") }

    /// Every fixture body of the platforms (requests and frames).
    static func bodies(_ platforms: [String]) throws -> [[UInt8]] {
        try platforms.flatMap { try loader.cases(platform: $0) }.map { [UInt8]($0.body) }.filter { !$0.isEmpty }
    }

    @Test func jsonParser() async throws {
        let seeds = try Self.bodies(["generic", "feishu", "dingtalk", "wecom"]).filter { $0.first == UInt8(ascii: "{") || $0.first == UInt8(ascii: "[") }
        #expect(seeds.count >= 20)
        let session = FuzzSession(target: "json-parser", regressions: Self.regressions)
        let findings = await session.run(seeds: seeds) { input in
            guard let value = try? JSONParser.parse(input) else { return nil }
            // What it accepts, the writer writes back, and that reads the same.
            let written = JSONWriter.data(value)
            guard let again = try? JSONParser.parse(written) else { return "accepted, but its own writing does not parse: \(String(decoding: written.prefix(200), as: UTF8.self))" }
            return again == value ? nil : "accepted, but reads differently after writing"
        }
        #expect(findings.isEmpty, "\(findings.map(\.description).joined(separator: "\n"))")
    }

    @Test func weComXML() async throws {
        let seeds = try Self.bodies(["wecom"]).filter { $0.first == UInt8(ascii: "<") }
        #expect(seeds.count >= 10)
        let session = FuzzSession(target: "wecom-xml", regressions: Self.regressions)
        let findings = await session.run(seeds: seeds) { input in
            guard (try? WeComXML(Data(input))) != nil else { return nil }
            // Outside CDATA (where it is text), a declaration must have stopped the reader.
            var outside = String(decoding: input, as: UTF8.self)
            while let open = outside.range(of: "<![CDATA["), let close = outside.range(of: "]]>", range: open.upperBound..<outside.endIndex) {
                outside.removeSubrange(open.lowerBound..<close.upperBound)
            }
            let upper = outside.uppercased()
            return upper.contains("<!DOCTYPE") || upper.contains("<!ENTITY") ? "a document with a declaration was read" : nil
        }
        #expect(findings.isEmpty, "\(findings.map(\.description).joined(separator: "\n"))")
    }

    /// However a stream is cut into reads, the events are the same.
    @Test func sseDecoder() async throws {
        let streams = [
            // platforms.md §4b's chat stream, shortened.
            "data: {\"event\": \"message\", \"task_id\": \"900bbd43\", \"answer\": \"北京\"}\n\n"
                + "data: {\"event\": \"message\", \"answer\": \"今天晴。\"}\n\nevent: ping\n\ndata: {\"event\": \"message_end\"}\n\n",
            "event: ping\n\ndata: {\"event\": \"message\"}\r\n\r\n: comment\nid: 7\nretry: 100\ndata: a\ndata: b\n\n",
            "data: 第一行\rdata: 第二行\r\rdata: {\"event\": \"error\"}\n\n",
        ].map { Array($0.utf8) }
        let session = FuzzSession(target: "sse-decoder", regressions: Self.regressions)
        var random = FuzzRandom(seed: session.configuration.seed(for: "sse-splits"))
        let splits = (0..<64).map { _ in (0..<4).map { _ in Int.random(in: 0...400, using: &random) }.sorted() }
        let findings = await session.run(seeds: streams) { input in
            var whole = SSEDecoder()
            let expected = whole.feed(input)
            for cuts in splits {
                var decoder = SSEDecoder()
                var events: [SSEDecoder.Event] = []
                var start = 0
                for cut in cuts + [input.count] where cut >= start && cut <= input.count {
                    events += decoder.feed(input[start..<cut])
                    start = cut
                }
                if events != expected { return "cutting the stream at \(cuts) changes its events" }
            }
            return nil
        }
        #expect(findings.isEmpty, "\(findings.map(\.description).joined(separator: "\n"))")
    }
}
