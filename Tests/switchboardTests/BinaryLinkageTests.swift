import Foundation
import Testing

/// The shipped binary carries no fakes: it is the CLI library with the built-in plugins, and the
/// test kit (`SwitchboardTesting`: fake Dify and OpenAI servers, fault injection) is not linked.
@Suite(.timeLimit(.minutes(5))) struct BinaryLinkageTests {
    @Test("the switchboard binary links SwitchboardCLI and the adapters, and not SwitchboardTesting")
    func noTestKit() throws {
        let binary = try Data(contentsOf: CLIProcess.binary)
        // Module names appear in the binary's mangled symbols (the debug build is not stripped).
        for linked in ["SwitchboardCLI", "SwitchboardWeCom", "SwitchboardFeishu", "SwitchboardDingTalk", "SwitchboardOpenAI"] {
            #expect(binary.range(of: Data(linked.utf8)) != nil, "\(linked) should be linked")
        }
        for absent in ["SwitchboardTesting", "FakeDifyServer", "FakeOpenAIServer", "LoopbackServer"] {
            #expect(binary.range(of: Data(absent.utf8)) == nil, "\(absent) is linked into the shipped binary")
        }
    }
}
