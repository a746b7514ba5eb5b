import Foundation
import SwitchboardCore
import SwitchboardServer
@testable import SwitchboardFixtures
@testable import SwitchboardTesting
import HTTPTypes
import Testing

/// The kit must catch a broken adapter; these tests give it one.
@Suite("Fixture runner", .timeLimit(.minutes(5)))
struct AdapterFixtureRunnerTests {
    /// Copies the generic fixtures to a scratch folder the test may damage.
    func scratchFixtures() throws -> FixtureLoader {
        let source = try FixtureLoader(filePath: #filePath).root.appendingPathComponent("generic")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fixtures-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: root.appendingPathComponent("generic"))
        return FixtureLoader(root: root)
    }

    @Test func theGenericFixturesPass() async throws {
        let runner = AdapterFixtureRunner(registry: AdapterRegistry([GenericAdapterFactory()]), loader: try FixtureLoader(filePath: #filePath))
        let outcomes = try await runner.runAll()
        #expect(outcomes.count >= 6)
        for outcome in outcomes {
            #expect(outcome.passed, "\(outcome)")
        }
    }

    @Test func aWrongGoldenEventIsReported() async throws {
        let loader = try scratchFixtures()
        let eventsFile = loader.root.appendingPathComponent("generic/message/events.json")
        let edited = try String(contentsOf: eventsFile, encoding: .utf8).replacingOccurrences(of: "帮我查一下年假", with: "帮我查一下病假")
        try edited.write(to: eventsFile, atomically: true, encoding: .utf8)
        let runner = AdapterFixtureRunner(registry: AdapterRegistry([GenericAdapterFactory()]), loader: loader)
        let outcome = try await runner.run(try #require(try loader.cases(platform: "generic").first { $0.name == "message" }))
        #expect(outcome.problems.count == 1)
        #expect(outcome.problems.first?.hasPrefix("events differ") == true)
    }

    @Test func aWrongGoldenStatusIsReported() async throws {
        let loader = try scratchFixtures()
        let responseFile = loader.root.appendingPathComponent("generic/stale-timestamp/response.json")
        try #"{"status": 200}"#.write(to: responseFile, atomically: true, encoding: .utf8)
        let runner = AdapterFixtureRunner(registry: AdapterRegistry([GenericAdapterFactory()]), loader: loader)
        let outcome = try await runner.run(try #require(try loader.cases(platform: "generic").first { $0.name == "stale-timestamp" }))
        #expect(outcome.problems == ["status 401, expected 200 (stale timestamp: more than 300 s from server time; check the sender's clock)"])
    }

    /// An adapter that parses before it verifies: a tampered body gets a 400, not a 401.
    struct ParsesFirstAdapter: ChatAdapter {
        let botID: String
        var platform: String { "generic" }
        var capabilities: AdapterCapabilities { AdapterCapabilities(maxMessageBytes: 1000, markdownDialect: .commonMark, groupsDeliverUnmentionedMessages: true) }
        let real: GenericAdapter

        func receive(_ request: WebhookRequest, context: WebhookContext) async throws -> Inbound {
            guard (try? EventJSON.decodeEvents(from: request.body)) != nil else { throw WebhookRejection.badRequest("bad JSON") }
            return try await real.receive(request, context: context)
        }

        func deliver(_ reply: ReplyStream, to event: ChatEvent, context: DeliveryContext) async throws -> DeliveryReceipt {
            DeliveryReceipt()
        }
    }

    struct ParsesFirstFactory: AdapterFactory {
        var platform: String { "generic" }
        func makeAdapter(botID: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatAdapter {
            let real = try GenericAdapterFactory().makeAdapter(botID: botID, config: config, environment: environment) as! GenericAdapter
            return ParsesFirstAdapter(botID: botID, real: real)
        }
    }

    @Test func anAdapterThatParsesBeforeVerifyingIsCaught() async throws {
        let loader = try FixtureLoader(filePath: #filePath)
        let runner = AdapterFixtureRunner(registry: AdapterRegistry([ParsesFirstFactory()]), loader: loader)
        let outcome = try await runner.run(try #require(try loader.cases(platform: "generic").first { $0.name == "message" }))
        #expect(outcome.problems.contains { $0.contains("must be refused with 401/403 before parsing") })
    }
}

@Suite("Loopback server", .timeLimit(.minutes(5)))
struct LoopbackServerTests {
    @Test func recordsRequestsAndAnswersFromTheClosure() async throws {
        try await LoopbackServer.withRunning(respond: { request in
            .json(raw: #"{"path":"\#(request.path)"}"#, status: .created)
        }) { server in
            let transport = AsyncHTTPClientTransport()
            let response = try await transport.execute(OutboundRequest(method: .post, url: "\(server.url)/hook?x=1", body: Data("hello".utf8)))
            #expect(response.status == .created)
            #expect(String(decoding: try await response.body.collect(upTo: 1000), as: UTF8.self) == #"{"path":"/hook"}"#)
            let received = try await server.waitForRequests(count: 1)
            #expect(received.first?.query == "x=1")
            #expect(received.first?.bodyText == "hello")
            await #expect(throws: LoopbackTimeout.self) { _ = try await server.waitForRequests(count: 2, timeout: .milliseconds(100)) }
        }
    }
}

/// The tamper rule changes a byte the signature covers, keeping an encrypted value valid base64,
/// so that only a verified signature — not a parse or decrypt failure — can refuse it.
@Suite("Tamper rule", .timeLimit(.minutes(5)))
struct TamperTests {
    @Test func aByteInsideTheSignedValueChangesAndStaysBase64() throws {
        let xml = WebhookRequest(method: .post, url: "/w", body: Data("<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[QUJDRA==]]></Encrypt></xml>".utf8))
        let tamperedXML = try #require(Tamper.changingOneByte(of: .xmlElement(tag: "Encrypt"), in: xml).first)
        #expect(String(decoding: tamperedXML.request.body, as: UTF8.self) == "<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[QUJDSA==]]></Encrypt></xml>")
        let json = WebhookRequest(method: .post, url: "/w", body: Data(#"{"encrypt": "AAEC/w=="}"#.utf8))
        let tamperedJSON = try #require(Tamper.changingOneByte(of: .jsonString(key: "encrypt"), in: json).first)
        #expect(String(decoding: tamperedJSON.request.body, as: UTF8.self) == #"{"encrypt": "AAECAw=="}"#)
        var headers = HTTPFields()
        headers[HTTPField.Name("sign")!] = "abcd"
        let header = try #require(Tamper.changingOneByte(of: .header("sign"), in: WebhookRequest(method: .post, url: "/w", headers: headers)).first)
        #expect(header.request.headers[HTTPField.Name("sign")!] == "abdd")
        // A signed body: its first byte and its middle one.
        let body = Tamper.changingOneByte(of: .body, in: WebhookRequest(method: .post, url: "/w", body: Data("{\"a\":1}".utf8)))
        #expect(body.map { String(decoding: $0.request.body, as: UTF8.self) } == ["z\"a\":1}", "{\"a#:1}"])
        #expect(Tamper.changingOneByte(of: .body, in: WebhookRequest(method: .get, url: "/w")).isEmpty)
    }
}

@Suite("Fixture loader", .timeLimit(.minutes(5)))
struct FixtureLoaderTests {
    @Test("a case's body_file is a file name in its folder: a path out of it (../../…) is refused, naming the case")
    func bodyFileStaysInTheCase() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fixtures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let platform = root.appendingPathComponent("generic")
        let good = try FixtureLoader().root.appendingPathComponent("generic")
        try FileManager.default.createDirectory(at: platform.appendingPathComponent("escape"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: good.appendingPathComponent("keys.json"), to: platform.appendingPathComponent("keys.json"))
        try Data("secret outside the case".utf8).write(to: root.appendingPathComponent("outside.txt"))
        try Data(#"{"method": "POST", "url": "/webhooks/generic-demo", "headers": {}, "now": 1718000000, "body_file": "../../outside.txt"}"#.utf8)
            .write(to: platform.appendingPathComponent("escape/request.json"))
        #expect { try FixtureLoader(root: root).cases(platform: "generic") } throws: { error in
            "\(error)".contains("body_file must be a file name in the case's folder")
        }
    }
}

