/// A client-side send budget: at most `limit` sends per `period` (a sliding window); `acquire`
/// waits until one is free. Platforms throttle send-only robots hard when they are exceeded
/// (WeCom's group robot, DingTalk's custom robot: 20 a minute, then ~10 minutes of refusals), so
/// waiting is cheaper than being refused. One per robot, per process.
public actor SendRateLimiter {
    public let limit: Int
    public let period: Duration
    private var sent: [ContinuousClock.Instant] = []

    public init(limit: Int, period: Duration) {
        self.limit = limit
        self.period = period
    }

    public func acquire() async throws {
        while true {
            let now = ContinuousClock.now
            sent.removeAll { now - $0 >= period }
            if sent.count < limit {
                sent.append(now)
                return
            }
            try await Task.sleep(until: sent[0] + period, clock: .continuous)
        }
    }
}
