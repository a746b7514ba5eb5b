import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting
import Testing

@testable import SwitchboardFeishu
@testable import SwitchboardWeCom

/// Numbers a platform's server sends are read as bounded numbers: nothing it says — an errcode of
/// 1e300, a token that lives for ever, a reconnect wait of 10^18 seconds — traps.
@Suite("Numbers from platform servers", .timeLimit(.minutes(5)))
struct PlatformNumberTests {
    @Test("a token lifetime of 1e300, NaN or -5 seconds is bounded or the default")
    func tokenLifetimes() {
        #expect(AccessTokenCache.Token(value: "t", seconds: 1e300).lifetime == .seconds(86_400))
        #expect(AccessTokenCache.Token(value: "t", seconds: .nan).lifetime == .seconds(7200))
        #expect(AccessTokenCache.Token(value: "t", seconds: -5).lifetime == .seconds(7200))
        #expect(AccessTokenCache.Token(value: "t", seconds: 1).lifetime == .seconds(60))
        #expect(AccessTokenCache.Token(value: "t", seconds: 7200).lifetime == .seconds(7200))
    }

    @Test("Feishu's ClientConfig with absurd numbers is bounded, and the waits it gives can be computed")
    func feishuClientConfig() throws {
        var config = FeishuClientConfig()
        config.apply(try JSONParser.parse(Data(#"{"ReconnectNonce":9e17,"ReconnectInterval":1e300,"PingInterval":8e18,"ReconnectCount":1e30}"#.utf8)))
        #expect(config.reconnectNonce == .seconds(3600) && config.pingInterval == .seconds(86_400))
        #expect(config.reconnectInterval == .seconds(120), "1e300 is no integer at all: the field is ignored")
        #expect(config.delay(beforeAttempt: 1) <= .seconds(3600) && config.delay(beforeAttempt: 2) == .seconds(120))
    }

    @Test("a WeCom errcode of 1e300 is an error with code -1, not a crash")
    func weComErrcode() async throws {
        try await LoopbackServer.withRunning(weather: .calm, respond: { _ in .json(raw: #"{"errcode":1e300,"errmsg":"nonsense"}"#) }) { server in
            let api = WeComAPI(base: server.url, botID: "w")
            do {
                _ = try await api.get("/cgi-bin/gettoken", query: [], transport: AsyncHTTPClientTransport())
                Issue.record("an errcode was not an error")
            } catch let error as WeComAPIError {
                #expect(error.kind == .errcode(-1, "nonsense"))
            }
        }
    }
}
