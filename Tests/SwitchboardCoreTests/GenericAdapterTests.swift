import Crypto
import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("Generic adapter", .timeLimit(.minutes(5)))
struct GenericAdapterTests {
    static let secret = "fixture-generic-secret-0123456789"

    /// Computed independently: python3 -c 'import hmac,hashlib; print(hmac.new(b"fixture-generic-secret-0123456789",
    /// b"1718000000.{}", hashlib.sha256).hexdigest())'
    @Test func signatureMatchesAnIndependentHMAC() {
        let signature = GenericSignature(secret: Self.secret).sign(timestamp: 1_718_000_000, body: Data("{}".utf8))
        #expect(signature == "sha256=23c2d4359e9c0bb43f69af8dcc6d7eea9f54a12993afc0520fb27345f35b9861")
        #expect(GenericSignature(secret: Self.secret).isValid(signature: signature, timestampHeader: "1718000000", body: Data("{}".utf8)))
        #expect(!GenericSignature(secret: Self.secret).isValid(signature: signature, timestampHeader: "1718000001", body: Data("{}".utf8)))
        #expect(!GenericSignature(secret: "another-secret-0123456789").isValid(signature: signature, timestampHeader: "1718000000", body: Data("{}".utf8)))
        #expect(!GenericSignature(secret: Self.secret).isValid(signature: "md5=00", timestampHeader: "1718000000", body: Data("{}".utf8)))
    }

    /// The sender signs the header's text: a timestamp written `01718000000` is signed as such, and
    /// a signature over `1718000000` does not cover it.
    @Test func theSignatureCoversTheTimestampHeaderExactlyAsSent() async throws {
        let adapter = GenericAdapter(botID: "mine", secret: Self.secret, callbackURL: nil)
        let now = Date(timeIntervalSince1970: 1_718_000_000)
        let body = Data(#"{"id":"1","platform":"generic","conversation":{"id":"c","type":"direct"},"sender":{"id":"u"},"text":"x","timestamp":1}"#.utf8)
        func request(timestamp: String, signedOver signed: String) -> WebhookRequest {
            let key = SymmetricKey(data: Data(Self.secret.utf8))
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(signed).".utf8) + body, using: key)
            var headers = HTTPFields()
            headers[GenericSignature.timestampHeader] = timestamp
            headers[GenericSignature.signatureHeader] = "sha256=" + Hex.encode(mac)
            return WebhookRequest(method: .post, url: "/webhooks/mine", headers: headers, body: body)
        }
        let asSent = await adapter.handle(request(timestamp: "01718000000", signedOver: "01718000000"), context: WebhookContext(now: now))
        #expect(asSent.response.status == .ok, "\(String(describing: asSent.rejection))")
        let normalised = await adapter.handle(request(timestamp: "01718000000", signedOver: "1718000000"), context: WebhookContext(now: now))
        #expect(normalised.response.status == .unauthorized)
        let plus = await adapter.handle(request(timestamp: "+1718000000", signedOver: "1718000000"), context: WebhookContext(now: now))
        #expect(plus.response.status == .unauthorized)
    }

    @Test func refusesEventsForAnotherBotOrPlatform() async throws {
        let adapter = GenericAdapter(botID: "mine", secret: Self.secret, callbackURL: nil)
        let now = Date(timeIntervalSince1970: 1_718_000_000)
        for (json, reason) in [
            (#"{"id":"1","platform":"generic","bot":"theirs","conversation":{"id":"c","type":"direct"},"sender":{"id":"u"},"text":"x","timestamp":1}"#, "is for bot"),
            (#"{"id":"1","platform":"slack","conversation":{"id":"c","type":"direct"},"sender":{"id":"u"},"text":"x","timestamp":1}"#, "platform must be"),
            (#"{"id":"","platform":"generic","conversation":{"id":"c","type":"direct"},"sender":{"id":"u"},"text":"x","timestamp":1}"#, "id must not be empty"),
        ] {
            let body = Data(json.utf8)
            let request = WebhookRequest(method: .post, url: "/webhooks/mine", headers: GenericSignature(secret: Self.secret).headers(for: body, now: now), body: body)
            let result = await adapter.handle(request, context: WebhookContext(now: now))
            #expect(result.response.status == .badRequest)
            #expect(result.rejection?.reason.contains(reason) == true)
        }
    }

    @Test func refusesGetAndUnsignedRequests() async {
        let adapter = GenericAdapter(botID: "mine", secret: Self.secret, callbackURL: nil)
        #expect(await adapter.handle(WebhookRequest(method: .get, url: "/webhooks/mine"), context: WebhookContext()).response.status == .methodNotAllowed)
        let unsigned = await adapter.handle(WebhookRequest(method: .post, url: "/webhooks/mine", body: Data("{}".utf8)), context: WebhookContext())
        #expect(unsigned.response.status == .unauthorized)
    }

    @Test func deliversASignedCallbackWithTheDocumentedShape() async throws {
        let transport = RecordingTransport()
        let adapter = GenericAdapter(botID: "mine", secret: Self.secret, callbackURL: URL(string: "https://example.com/cb"))
        let event = ChatEvent(
            id: "mine:1", platform: "generic", bot: "mine", conversation: Conversation(id: "c", type: .group, title: "T"),
            sender: Participant(id: "u"), text: "q", timestamp: Date()
        )
        let reply = Reply(markdown: "**答**", citations: [Citation(title: "手册.pdf", snippet: "第3章", score: 0.9)])
        let context = DeliveryContext(
            transport: transport, idempotencyKey: "mine:1", attempt: 1,
            replyState: ReplyStateHandle(store: InMemoryStateStore(), jobID: "mine:1"), logger: .init(label: "t")
        )
        _ = try await adapter.deliver(ReplyStream(reply: reply), to: event, context: context)
        let sent = try #require(transport.requests.first)
        #expect(sent.url == "https://example.com/cb")
        let body = try #require(sent.body)
        let timestamp = try #require(sent.headers[GenericSignature.timestampHeader])
        let signature = try #require(sent.headers[GenericSignature.signatureHeader])
        #expect(GenericSignature(secret: Self.secret).isValid(signature: signature, timestampHeader: timestamp, body: body))
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(Set(object.keys) == ["event_id", "conversation", "reply"])
        #expect(object["event_id"] as? String == "mine:1")
        #expect((object["conversation"] as? [String: Any])?["title"] as? String == "T")
        let replyObject = try #require(object["reply"] as? [String: Any])
        #expect(replyObject["markdown"] as? String == "**答**")
        #expect((replyObject["citations"] as? [[String: Any]])?.first?["title"] as? String == "手册.pdf")
    }

    @Test func aCallbackThatRefusesIsNotRetried() async throws {
        let adapter = GenericAdapter(botID: "mine", secret: Self.secret, callbackURL: URL(string: "https://example.com/cb"))
        let event = ChatEvent(id: "mine:1", platform: "generic", bot: "mine", conversation: Conversation(id: "c", type: .direct), sender: Participant(id: "u"), text: "q", timestamp: Date())
        for (status, retryable) in [(404, false), (401, false), (429, true), (502, true)] {
            let context = DeliveryContext(
                transport: RecordingTransport(status: status, json: "{}"), idempotencyKey: "k", attempt: 1,
                replyState: ReplyStateHandle(store: InMemoryStateStore(), jobID: "k"), logger: .init(label: "t")
            )
            do {
                _ = try await adapter.deliver(ReplyStream(reply: Reply(markdown: "x")), to: event, context: context)
                Issue.record("HTTP \(status) should fail the delivery")
            } catch let error as any RetryableError {
                #expect(error.isRetryable == retryable, "HTTP \(status)")
            }
        }
    }
}
