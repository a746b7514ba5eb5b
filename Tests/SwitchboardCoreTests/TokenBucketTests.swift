import SwitchboardCore
import Testing

@Suite("Token bucket", .timeLimit(.minutes(5)))
struct TokenBucketTests {
    @Test("a burst goes at once; the rest are given slots evenly spaced at the rate, in the order asked; a quiet spell refills up to the burst")
    func pacesCallers() {
        let bucket = TokenBucket(rate: 20, burst: 10)
        let start = ContinuousClock.now
        let waits = (0..<30).map { _ in bucket.reserve(now: start) }
        #expect(waits.prefix(10).allSatisfy { $0 == .zero })
        #expect(Array(waits.dropFirst(10)) == (1...20).map { Duration.milliseconds(50 * $0) })
        // In any second from the start, no more than the burst plus a second's rate.
        let slots = waits.map { start + $0 }
        for slot in slots { #expect(slots.filter { $0 >= slot && $0 < slot + .seconds(1) }.count <= 10 + 20) }
        // Five quiet seconds later the reservations are paid off and the burst is back.
        let later = start + .seconds(6)
        #expect((0..<10).map { _ in bucket.reserve(now: later) }.allSatisfy { $0 == .zero })
        #expect(bucket.reserve(now: later) == .milliseconds(50))
    }
}
