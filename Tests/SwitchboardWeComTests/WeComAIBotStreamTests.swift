import Foundation
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWeCom
import Testing

/// What the user polling an AI-bot stream sees when things go wrong: a backend that fails for
/// good, a message nobody answers, a redelivery without `create_time`.
@Suite("WeCom AI-bot streams", .timeLimit(.minutes(5)))
struct WeComAIBotStreamTests {
    static let bot = "wecom-aibot: {platform: wecom, mode: aibot, \(WeComEndToEndTests.keys), bot_name: AI助手}"

    static func message(_ msgid: String, text: String, createTime: Int? = Int(Date().timeIntervalSince1970)) -> String {
        """
        {"msgid":"\(msgid)","aibotid":"aibAbCdEfGhIjKlMnOpQrStUvWxYz012","chatid":"wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w","chattype":"group",\
        "from":{"userid":"zhangsan"},\(createTime.map { "\"create_time\":\($0)," } ?? "")\
        "response_url":"http://127.0.0.1:9/cgi-bin/aibot/response?response_code=E2E","msgtype":"text","text":{"content":"@AI助手 \(text)"}}
        """
    }

    /// Polls a stream until it is finished; returns its last content.
    static func pollUntilFinished(_ wecom: WeComPlatform, stream: String) async throws -> String {
        var poll = 0
        do {
            return try await waitUntilFound("the stream finished", timeout: .seconds(30), poll: .milliseconds(100)) {
                poll += 1
                let refresh = """
                    {"msgid":"poll-\(UUID().uuidString)","aibotid":"aibAbCdEfGhIjKlMnOpQrStUvWxYz012","chatid":"wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w",\
                    "chattype":"group","from":{"userid":"zhangsan"},"msgtype":"stream","stream":{"id":"\(stream)"}}
                    """
                let frame = try #require(try await wecom.postAIBot(json: refresh).answer.stream)
                return frame.finish ? frame.content : nil
            }
        } catch is WaitTimeout {
            throw FixtureError("stream \(stream) did not finish after \(poll) polls")
        }
    }

    struct Refused: Error, RetryableError, CustomStringConvertible {
        var isRetryable: Bool { false }
        var description: String { "the backend refused (test)" }
    }

    @Test("a backend that fails for good: the stream the user polls ends with the failure notice")
    func failureNoticeReachesTheStream() async throws {
        let backend = ScriptedBackend { _ in throw Refused() }
        let yaml = """
            backends: {helpdesk: {type: scripted}}
            bots:
              \(Self.bot)
            engine: {poll_interval: 100ms}
            """
        try await RunningSwitchboard.run(yaml: yaml, adapters: [WeComAdapterFactory()], backends: [ScriptedBackendFactory(type: "scripted", backend: backend)]) { server in
            let wecom = WeComPlatform(server: server)
            let ack = try await wecom.postAIBot(json: Self.message("fail00000001", text: "你好"))
            let stream = try #require(ack.answer.stream)
            #expect(stream.content == "正在思考…")
            #expect(try await Self.pollUntilFinished(wecom, stream: stream.id) == Engine.failureNotice)
        }
    }

    @Test("a message no route answers is acked with nothing, never with a thinking frame")
    func unansweredMessageShowsNothing() async throws {
        let yaml = """
            bots:
              \(Self.bot)
            routes:
              - {name: expenses, when: {keywords: [报销]}, backend: echo}
            """
        try await RunningSwitchboard.run(yaml: yaml, adapters: [WeComAdapterFactory()]) { server in
            let wecom = WeComPlatform(server: server)
            let ignored = try await wecom.postAIBot(json: Self.message("route000001", text: "今天天气怎么样"))
            #expect(ignored.status == 200)
            #expect(ignored.answer == [:])
            let answered = try await wecom.postAIBot(json: Self.message("route000002", text: "报销流程是什么"))
            #expect(answered.answer.stream?.content == "正在思考…")
        }
    }

    @Test("a redelivery of a message without create_time is acked with the same stream id")
    func sameStreamWithoutCreateTime() async throws {
        let yaml = """
            bots:
              \(Self.bot)
            backends: {echo: {type: echo, delay_ms: 300}}
            """
        try await RunningSwitchboard.run(yaml: yaml, adapters: [WeComAdapterFactory()]) { server in
            let wecom = WeComPlatform(server: server)
            let message = Self.message("notime000001", text: "重复一下", createTime: nil)
            let first = try #require(try await wecom.postAIBot(json: message).answer.stream)
            // Past a second boundary: the time of receipt differs now.
            try await Task.sleep(for: .milliseconds(1100))
            let again = try #require(try await wecom.postAIBot(json: message).answer.stream)
            #expect(again.id == first.id)
            #expect(try await Self.pollUntilFinished(wecom, stream: first.id) == "重复一下")
        }
    }
}
