import Foundation
import SwitchboardTesting

/// The platforms a burst is spread over, in turn.
enum LoadPlatform: String, CaseIterable, Sendable {
    case feishu = "Feishu"
    case wecom = "WeCom AI bot"
    case dingtalk = "DingTalk"

    /// How long the platform waits for an ack before it counts the delivery as failed and sends
    /// it again (platforms.md: Feishu 3 s, WeCom 5 s; DingTalk's HTTP callback is not documented,
    /// so the stricter 3 s is assumed).
    var ackDeadline: Double {
        switch self {
        case .feishu, .dingtalk: 3
        case .wecom: 5
        }
    }
}

/// One message of the burst: who sends it where, when, and the answer the fake Dify will stream.
struct LoadMessage: Sendable {
    let index: Int
    let platform: LoadPlatform
    /// Seconds after the burst's start.
    let sendAt: Double
    /// The tag the fake Dify finds in the query, naming the message.
    var tag: String { "L\(index)" }
    var text: String { "请帮我整理一下本周的项目进展和风险 #\(tag)" }
    var userID: String { "user\(index)" }
}

/// How the fake Dify answers: after `firstToken`, `tokensPerSecond` tokens of one to three
/// characters (Chinese mixed with Markdown), written `tokensPerWrite` at a time; the answer's
/// length is drawn from `answerBytes`, the same for the same message every run.
struct AnswerPace: Sendable {
    var firstToken: Duration = .seconds(1)
    var tokensPerSecond = 20.0
    var tokensPerWrite = 2
    var answerBytes: ClosedRange<Int> = 1_000...3_000

    /// The answer's tokens for message `index`.
    func tokens(for index: Int) -> [String] {
        var random = FuzzRandom(seed: UInt64(index) &+ 0x9E37_79B9)
        let target = Int.random(in: answerBytes, using: &random)
        var tokens: [String] = []
        var bytes = 0
        var line = 0
        while bytes < target {
            let piece: String
            switch line % 7 {
            case 0: piece = "## 第\(line / 7 + 1)部分：进展\n\n"
            case 3: piece = "- **风险**：发布窗口与值班安排冲突，需要在周三前确认负责人。\n"
            case 5: piece = "| 项目 | 状态 |\n|---|---|\n| 支付网关 | 进行中 |\n\n"
            default: piece = Self.sentences[Int(random.next() % UInt64(Self.sentences.count))] + "\n\n"
            }
            line += 1
            var rest = Substring(piece)
            while !rest.isEmpty {
                let size = min(rest.count, 1 + Int(random.next() % 3))
                let token = String(rest.prefix(size))
                tokens.append(token)
                bytes += token.utf8.count
                rest = rest.dropFirst(size)
            }
        }
        return tokens
    }

    private static let sentences = [
        "本周完成了接口联调，测试覆盖率提升到百分之八十五，剩余问题集中在回调重试。",
        "The rollout plan moves to Thursday; the on-call rotation stays as agreed.",
        "数据迁移脚本已经在预发环境跑通，耗时约四十分钟，需要安排低峰期执行。",
        "客户反馈的导出超时问题已定位为分页查询缺少索引，修复将随下周版本发布。",
        "Next step: review the capacity plan with the platform team and freeze the API.",
    ]
}
