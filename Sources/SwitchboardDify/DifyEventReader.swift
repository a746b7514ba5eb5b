import Foundation
import SwitchboardCore
import Synchronization

/// Dify's SSE stream, read event by event with the first-byte, idle and total timeouts.
///
/// The body is read by a task of its own into a buffer, beside one watchdog that sleeps until the
/// current silence would exceed its limit: a timer per silence, not per read. (A deadline task
/// group around every read cost two tasks and a timer per network read — with thousands of
/// answers streaming at once that was a fifth of the server's CPU; Benchmarks/README.md, "Load".)
/// The silence counts from the last byte Dify sent, so a consumer that is slow (a platform
/// pausing the delivery) does not make Dify look idle.
final class DifyEventReader: @unchecked Sendable {
    // One consumer at a time: `next()` is awaited before it is called again.
    private var chunks: AsyncThrowingStream<[UInt8], any Error>.Iterator
    private let reading: Task<Void, Never>
    private var decoder = SSEDecoder()
    private var ready: [SSEDecoder.Event] = []
    private var readyIndex = 0
    private var finished = false

    /// `deadline`: when the whole exchange must be over (`timeouts.total` after the request).
    init(_ response: OutboundResponse, configuration: DifyConfiguration, deadline: ContinuousClock.Instant) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let body = response.body
        let reading = Task { await Self.read(body, into: continuation, configuration: configuration, deadline: deadline) }
        // The consumer gone (done, failed or cancelled): stop reading.
        continuation.onTermination = { _ in reading.cancel() }
        self.reading = reading
        chunks = stream.makeAsyncIterator()
    }

    deinit {
        reading.cancel()
    }

    /// The next event's JSON, or nil at the end of the stream. Data that is not JSON is skipped.
    func next() async throws -> DifyPayload? {
        while true {
            while readyIndex < ready.count {
                let event = ready[readyIndex]
                readyIndex += 1
                if let payload = DifyPayload.decode(Data(event.data.utf8)) { return payload }
            }
            guard !finished else { return nil }
            guard let chunk = try await chunks.next() else {
                // A cancelled consumer sees the stream end too: that is not Dify's end.
                try Task.checkCancellation()
                finished = true
                continue
            }
            ready = decoder.feed(chunk)
            readyIndex = 0
        }
    }

    private static func read(
        _ body: HTTPBody, into continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation, configuration: DifyConfiguration,
        deadline: ContinuousClock.Instant
    ) async {
        let backend = configuration.name
        let progress = ReadProgress()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await chunk in body {
                        progress.state.withLock { $0 = (ContinuousClock.now, true) }
                        continuation.yield(chunk)
                    }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish(throwing: CancellationError())
                } catch {
                    let kind: DifyError.Kind = DifyClient.isTimeout(error) ? .timeout("total") : .network(DifyClient.describe(error))
                    continuation.finish(throwing: DifyError(backend: backend, kind: kind))
                }
            }
            group.addTask {
                while true {
                    let (last, sawFirstByte) = progress.state.withLock { $0 }
                    var which = sawFirstByte ? "idle" : "first_byte"
                    var due = last + (sawFirstByte ? configuration.timeouts.idle : configuration.timeouts.firstByte)
                    if deadline < due {
                        due = deadline
                        which = "total"
                    }
                    do { try await Task.sleep(until: due) } catch { return }
                    let now = ContinuousClock.now
                    if now >= deadline || progress.state.withLock({ $0.last }) == last {
                        continuation.finish(throwing: DifyError(backend: backend, kind: .timeout(now >= deadline ? "total" : which)))
                        return
                    }
                }
            }
            // Whichever ends first (the body, or the watchdog with a timeout) ends the other.
            await group.next()
            group.cancelAll()
        }
    }
}

/// When the body last brought bytes, shared by the reading task and its watchdog.
private final class ReadProgress: Sendable {
    let state = Mutex((last: ContinuousClock.now, sawFirstByte: false))
}
