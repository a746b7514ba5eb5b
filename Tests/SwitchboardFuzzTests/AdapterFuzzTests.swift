import Foundation
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardFeishu
import SwitchboardTesting
import SwitchboardWeCom
import Testing

/// Every built-in adapter's `receive` (and DingTalk's stream frames) against mutated fixtures and
/// random bytes. `SWITCHBOARD_FUZZ_ITERATIONS` sets how many inputs per target (default 2,000),
/// `SWITCHBOARD_FUZZ_SEED` replays a run; failing inputs are kept under `Fixtures/fuzz/`.
@Suite("Fuzz: adapters", .serialized, .timeLimit(.minutes(5)))
struct AdapterFuzzTests {
    static let fuzzer: AdapterFuzzer = {
        let loader = try! FixtureLoader(filePath: #filePath)
        let registry = AdapterRegistry([GenericAdapterFactory(), WeComAdapterFactory(), FeishuAdapterFactory(), DingTalkAdapterFactory()])
        return AdapterFuzzer(registry: registry, loader: loader)
    }()

    static let targets = (try? fuzzer.targets()) ?? []

    @Test func everyPlatformHasTargets() {
        for platform in ["generic", "wecom", "feishu", "dingtalk"] {
            #expect(Self.targets.contains { $0.hasPrefix("adapter:\(platform)/") }, "\(Self.targets)")
        }
        #expect(Self.targets.contains("adapter:dingtalk/dingtalk-stream/frames"))
    }

    @Test(arguments: targets)
    func target(_ target: String) async throws {
        let findings = try await Self.fuzzer.run(target: target)
        #expect(findings.isEmpty, "seed \(Self.fuzzer.configuration.seed):\n\(findings.map(\.description).joined(separator: "\n"))")
    }
}
