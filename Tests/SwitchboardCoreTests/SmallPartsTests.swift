import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("Small parts", .timeLimit(.minutes(5)))
struct SmallPartsTests {
    @Test func retryDelaysGrowExponentiallyUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: .seconds(2), maxDelay: .seconds(60))
        #expect(policy.delay(afterAttempt: 1, jitter: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 3, jitter: 1) == .seconds(8))
        #expect(policy.delay(afterAttempt: 10, jitter: 1) == .seconds(60))
        #expect(policy.delay(afterAttempt: 3, jitter: 0.5) == .seconds(4))
    }

    @Test func echoStreamsTheTextBackInChunks() async throws {
        let request = BackendRequest(query: "你好，世界 hello, and good morning 🌤", user: "u", route: "r", event: event("x"))
        var chunks: [ReplyChunk] = []
        for try await chunk in EchoBackend().respond(to: request) { chunks.append(chunk) }
        let deltas = chunks.compactMap { if case .delta(let text) = $0 { text } else { nil } }
        #expect(deltas == ["你好，世界 hell", "o, and goo", "d morning ", "🌤"])
        #expect(chunks.last == .end)
        #expect(try await EchoBackend().respond(to: request).collect().markdown == "你好，世界 hello, and good morning 🌤")
        var followUp = request
        followUp.conversationID = "echo-1"
        #expect(try await Array(EchoBackend().respond(to: followUp)).contains(.conversation("echo-1")))
    }

    @Test func echoWaitsItsDelayBeforeEachChunk() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        // 25 characters: three chunks.
        _ = try await EchoBackend(delay: .milliseconds(40)).respond(to: BackendRequest(query: "a longer message, 3 parts", user: "u", route: "r", event: event("x"))).collect()
        #expect(clock.now - started >= .milliseconds(120))
    }

    @Test func replyStreamWithoutEndIsIncomplete() async {
        await #expect(throws: ReplyIncomplete.self) { _ = try await ReplyStream(chunks: [.delta("a")]).collect() }
    }

    @Test func replyFoldsChunks() {
        var reply = Reply()
        for chunk: ReplyChunk in [.delta("a"), .delta("b"), .replace("AB"), .delta("c"), .citations([Citation(title: "d")]), .suggestions(["e"])] {
            reply.apply(chunk)
        }
        #expect(reply == Reply(markdown: "ABc", citations: [Citation(title: "d")], suggestions: ["e"]))
    }

    @Test func queryItemsKeepPlusSigns() {
        let request = WebhookRequest(method: .get, url: "/w?echostr=a%2Bb%3D%3D&raw=a+b&empty")
        #expect(request.query("echostr") == "a+b==")
        #expect(request.query("raw") == "a+b")
        #expect(request.query("empty") == "")
        #expect(request.path == "/w")
    }

    @Test func percentEscapesAreDecodedAndBadOnesKept() {
        let request = WebhookRequest(method: .get, url: "/w?q=%E4%BD%A0%e5%a5%bd&bad=100%&odd=%4&x%5Fy=1&zz=%zz")
        #expect(request.query("q") == "你好")
        #expect(request.query("bad") == "100%")
        #expect(request.query("odd") == "%4")
        #expect(request.query("x_y") == "1")
        #expect(request.query("zz") == "%zz")
        #expect(request.query("missing") == nil)
        #expect(request.queryItems.map(\.name) == ["q", "bad", "odd", "x_y", "zz"])
    }

    @Test func queryValuesAreEncodedAndDecodeBack() {
        #expect(PercentEncoding.queryValue("v2uNc7Fn+/OZM=") == "v2uNc7Fn%2B%2FOZM%3D")
        #expect(PercentEncoding.queryValue("a-b._~z") == "a-b._~z")
        #expect(PercentEncoding.queryValue("密钥 x") == "%E5%AF%86%E9%92%A5%20x")
        let request = WebhookRequest(method: .get, url: "/w?v=" + PercentEncoding.queryValue("密钥+/= &x"))
        #expect(request.query("v") == "密钥+/= &x")
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals("abc", "abc"))
        #expect(!ConstantTime.equals("abc", "abd"))
        #expect(!ConstantTime.equals("abc", "ab"))
        #expect(ConstantTime.equals("", ""))
    }
}

extension Array where Element == ReplyChunk {
    init(_ stream: ReplyStream) async throws {
        self = []
        for try await chunk in stream { append(chunk) }
    }
}
