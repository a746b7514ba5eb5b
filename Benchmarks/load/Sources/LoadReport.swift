import Foundation

/// The run's one table (Markdown), and the figures under it.
struct LoadReport {
    let messages: [LoadMessage]
    let records: [MessageRecord]
    let pollTimes: [Double]
    let peakStreams: Int
    let idleRSS: Double
    let peakRSS: Double
    let serverCPU: Double
    let driverCPU: Double
    let unexpected: [String: Int]

    func print() {
        Swift.print("| platform | messages | ack p50 | ack p99 | ack max | acks over deadline | not acked 200 | first token ▸ first update p50 | p99 | updates/answer | completed | answered twice |")
        Swift.print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for platform in LoadPlatform.allCases {
            let mine = zip(messages, records).filter { $0.0.platform == platform }.map(\.1)
            guard !mine.isEmpty else { continue }
            let acks = mine.compactMap { record in record.acked.flatMap { acked in record.sent.map { acked - $0 } } }
            let late = acks.filter { $0 > platform.ackDeadline }.count
            let refused = mine.filter { $0.ackStatus != 200 }.count
            // DingTalk's session webhook gets the whole answer: its "first update" follows the last token.
            let lags = mine.compactMap { record in
                record.firstUpdate.flatMap { update in (platform == .dingtalk ? record.lastToken : record.firstToken).map { update - $0 } }
            }
            let completed = mine.filter { $0.completed != nil }
            let updates = completed.isEmpty ? 0 : Double(completed.map(\.updates).reduce(0, +)) / Double(completed.count)
            let twice = mine.filter { $0.difyAsks > 1 || $0.answers > 1 }.count
            Swift.print(
                "| \(platform.rawValue) | \(mine.count) | \(ms(percentile(acks, 0.5))) | \(ms(percentile(acks, 0.99))) | \(ms(acks.max())) | \(late) | \(refused) "
                    + "| \(ms(percentile(lags, 0.5)))\(platform == .dingtalk ? "¹" : "") | \(ms(percentile(lags, 0.99))) | \(String(format: "%.1f", updates)) "
                    + "| \(completed.count) | \(twice) |"
            )
        }
        Swift.print("")
        Swift.print("WeCom AI-bot polls: \(pollTimes.count), answered p50 \(ms(percentile(pollTimes, 0.5))), p99 \(ms(percentile(pollTimes, 0.99))), max \(ms(pollTimes.max())).")
        let completed = records.filter { $0.completed != nil }.count
        Swift.print("Dify streams open at once (peak): \(peakStreams). Server RSS idle \(mb(idleRSS)), peak \(mb(peakRSS)).")
        Swift.print(
            "Server CPU \(String(format: "%.1f", serverCPU)) s for \(completed) answers = \(String(format: "%.1f", completed == 0 ? 0 : serverCPU / Double(completed) * 1000)) ms per answer "
                + "(the fakes and driver on the other core: \(String(format: "%.1f", driverCPU)) s)."
        )
        Swift.print("¹ DingTalk's session webhook receives the whole answer once: its column is last token ▸ message.")
        if !unexpected.isEmpty {
            Swift.print("Calls the fakes did not expect: " + unexpected.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
        }
    }

    private func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    private func ms(_ seconds: Double?) -> String {
        guard let seconds else { return "—" }
        return seconds < 1 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    private func mb(_ value: Double) -> String { String(format: "%.0f MB", value) }
}
