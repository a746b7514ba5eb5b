import Foundation
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWeCom
import Synchronization
import Testing

/// The real server with WeCom bots, the echo backend and a fake qyapi, all over HTTP.
@Suite("WeCom end to end", .timeLimit(.minutes(5)))
struct WeComEndToEndTests {
    static let keys = "token: \(WeComVectors.Fixture.token), encoding_aes_key: \(WeComVectors.Fixture.key)"

    static func appXML(msgID: Int, text: String, sender: String = "zhangsan") -> String {
        "<xml><ToUserName><![CDATA[\(FakeQyAPI.corpID)]]></ToUserName><FromUserName><![CDATA[\(sender)]]></FromUserName>"
            + "<CreateTime>\(Int(Date().timeIntervalSince1970))</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            + "<Content><![CDATA[\(text)]]></Content><MsgId>\(msgID)</MsgId><AgentID>1000002</AgentID></xml>"
    }

    @Test("app: 20 encrypted texts ▸ 20 message/send with the answers and one gettoken; a redelivery is not answered again")
    func app() async throws {
        try await FakeQyAPI.withRunning { api in
            let yaml = """
                bots:
                  wecom-app: {platform: wecom, mode: app, corp_id: \(FakeQyAPI.corpID), agent_id: 1000002, secret: "${WECOM_SECRET}", \(Self.keys), api_base: "\(api.url)"}
                engine: {poll_interval: 100ms}
                """
            try await RunningSwitchboard.run(yaml: yaml, environment: ["WECOM_SECRET": FakeQyAPI.secret], adapters: [WeComAdapterFactory()]) { server in
                let wecom = WeComPlatform(server: server)
                for index in 0..<20 {
                    let answer = try await wecom.postApp(xml: Self.appXML(msgID: 7_000_000 + index, text: "第\(index)个问题"))
                    #expect(answer.status == 200 && answer.body.isEmpty, "\(answer)")
                }
                let sends = try await api.waitForSends(count: 20)
                #expect(api.tokenFetches == 1)
                let contents = Set(sends.compactMap(Self.content))
                #expect(contents == Set((0..<20).map { "第\($0)个问题" }))
                #expect(sends.allSatisfy { $0["touser"] == "zhangsan" && $0["agentid"] == .number(1000002) })

                // WeCom retries a callback three times when it thinks it went unanswered.
                for _ in 0..<3 {
                    #expect(try await wecom.postApp(xml: Self.appXML(msgID: 7_000_000, text: "第0个问题")).status == 200)
                }
                // A later message of the same conversation is answered after anything queued before
                // it: once its answer is out, a second answer to the redelivered message would be too.
                _ = try await wecom.postApp(xml: Self.appXML(msgID: 7_000_100, text: "最后一个"))
                try await api.waitFor("the answer to the last message") { api.sends.contains { Self.content($0) == "最后一个" } }
                let after = api.sends
                #expect(after.filter { Self.content($0) == "第0个问题" }.count == 1, "the redelivered message was answered again")
                #expect(after.count == 21)
            }
        }
    }

    /// The markdown content of a message/send body.
    static func content(_ send: [String: JSONValue]) -> String? {
        guard case .object(let markdown)? = send["markdown"] else { return nil }
        return markdown["content"]?.string
    }

    @Test("AI bot: the ack is an encrypted stream frame, polls see the answer grow, the last is finished; three redeliveries, one answer")
    func aibot() async throws {
        let backend = CountingBackend(EchoBackend(delay: .milliseconds(200)))
        let yaml = """
            backends: {echo: {type: counting}}
            bots:
              wecom-aibot: {platform: wecom, mode: aibot, \(Self.keys), bot_name: AI助手}
            engine: {poll_interval: 100ms}
            """
        try await RunningSwitchboard.run(yaml: yaml, adapters: [WeComAdapterFactory()], backends: [CountingBackendFactory(backend: backend)]) { server in
            let wecom = WeComPlatform(server: server)
            let question = "请把这句话原样重复一遍：" + String(repeating: "企业微信智能机器人流式回复测试，", count: 6)
            let message = """
                {"msgid":"e2e0000000000001","aibotid":"aibAbCdEfGhIjKlMnOpQrStUvWxYz012","chatid":"wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w","chattype":"group",\
                "from":{"userid":"zhangsan"},"create_time":\(Int(Date().timeIntervalSince1970)),\
                "response_url":"http://127.0.0.1:9/cgi-bin/aibot/response?response_code=E2E","msgtype":"text","text":{"content":"@AI助手 \(question)"}}
                """
            let ack = try await wecom.postAIBot(json: message)
            #expect(ack.status == 200)
            let first = try #require(ack.answer.stream)
            #expect(first.finish == false && first.content == "正在思考…")
            for _ in 0..<3 {
                let again = try await wecom.postAIBot(json: message)
                #expect(again.answer.stream?.id == first.id)
            }

            var seen: [String] = []
            var poll = 0
            let final = try await waitUntilFound("the stream finished", timeout: .seconds(60), poll: .milliseconds(100)) { () async throws -> String? in
                poll += 1
                let refresh = """
                    {"msgid":"poll\(poll)","aibotid":"aibAbCdEfGhIjKlMnOpQrStUvWxYz012","chatid":"wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w","chattype":"group",\
                    "from":{"userid":"zhangsan"},"msgtype":"stream","stream":{"id":"\(first.id)"}}
                    """
                let frame = try #require(try await wecom.postAIBot(json: refresh).answer.stream)
                #expect(frame.id == first.id)
                if frame.finish { return frame.content }
                if seen.last != frame.content { seen.append(frame.content) }
                return nil
            }
            #expect(final == question)
            let partial = seen.filter { $0 != "正在思考…" }
            #expect(!partial.isEmpty, "no growing content was seen: \(seen)")
            #expect(partial.allSatisfy { question.hasPrefix($0) && $0.count < question.count })
            #expect(backend.calls == 1)
        }
    }
}

/// The echo backend, counting how often it was asked.
final class CountingBackend: ChatBackend {
    let base: EchoBackend
    private let count = Mutex(0)

    init(_ base: EchoBackend) {
        self.base = base
    }

    var calls: Int { count.withLock { $0 } }

    func respond(to request: BackendRequest) -> ReplyStream {
        count.withLock { $0 += 1 }
        return base.respond(to: request)
    }
}

struct CountingBackendFactory: BackendFactory {
    let backend: CountingBackend
    var type: String { "counting" }

    func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend {
        backend
    }
}
