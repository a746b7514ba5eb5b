import Foundation
@testable import SwitchboardCore
import Synchronization
import Testing

/// A delivery resumes after the parts it confirmed, and says which part may have arrived already.
@Suite("Part progress", .timeLimit(.minutes(5)))
struct PartProgressTests {
    struct Lost: Error, DeliveryUncertainty {
        var mayHaveArrived: Bool { true }
    }

    struct Refused: Error, DeliveryUncertainty {
        var mayHaveArrived: Bool { false }
    }

    func progress() -> PartProgress {
        PartProgress(replyState: ReplyStateHandle(store: InMemoryStateStore(), jobID: "job"), key: "test.sent_parts")
    }

    @Test func aRetryResumesAfterTheConfirmedPartsAndMarksTheInterruptedOneUncertain() async throws {
        let progress = progress()
        let calls = Mutex<[String]>([])
        // The connection is lost while part 2 is on its way.
        await #expect(throws: Lost.self) {
            try await progress.send(["a", "b", "c"]) { part, index, uncertain in
                calls.withLock { $0.append("\(part)\(uncertain ? "?" : "")") }
                if index == 1 { throw Lost() }
            }
        }
        try await progress.send(["a", "b", "c"]) { part, _, uncertain in
            calls.withLock { $0.append("\(part)\(uncertain ? "?" : "")") }
        }
        #expect(calls.withLock { $0 } == ["a", "b", "b?", "c"])
        #expect(try await progress.sent() == 3)
        // Done: nothing more is sent.
        try await progress.send(["a", "b", "c"]) { _, _, _ in Issue.record("sent again") }
    }

    @Test func aPartThePlatformRefusedIsNotUncertain() async throws {
        let progress = progress()
        await #expect(throws: Refused.self) { try await progress.send(["a"]) { _, _, _ in throw Refused() } }
        let uncertain = Mutex<[Bool]>([])
        try await progress.send(["a"]) { _, _, flag in uncertain.withLock { $0.append(flag) } }
        #expect(uncertain.withLock { $0 } == [false])
    }

    /// Found by the chaos run: a crash mid-send, then a resend refused (rate limited), then the
    /// resend that worked went out without WeCom's duplicate check — and the user saw it twice.
    @Test func aRefusedResendOfAnUncertainPartStaysUncertain() async throws {
        let progress = progress()
        await #expect(throws: Lost.self) { try await progress.send(["a"]) { _, _, _ in throw Lost() } }
        await #expect(throws: Refused.self) {
            try await progress.send(["a"]) { _, _, uncertain in
                #expect(uncertain)
                throw Refused()
            }
        }
        let flags = Mutex<[Bool]>([])
        try await progress.send(["a"]) { _, _, uncertain in flags.withLock { $0.append(uncertain) } }
        #expect(flags.withLock { $0 } == [true])
    }

    @Test func aCountWrittenBeforeInFlightMarksIsRead() async throws {
        let state = ReplyStateHandle(store: InMemoryStateStore(), jobID: "job")
        try await state.save("test.sent_parts", 2)
        let sent = Mutex<[String]>([])
        try await PartProgress(replyState: state, key: "test.sent_parts").send(["a", "b", "c"]) { part, _, uncertain in
            #expect(!uncertain)
            sent.withLock { $0.append(part) }
        }
        #expect(sent.withLock { $0 } == ["c"])
    }
}
