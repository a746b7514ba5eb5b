import Synchronization

/// `body`'s result, or ``TimeLimitExceeded`` once `limit` has passed — `body` is cancelled then, and
/// the caller does not wait for it to notice. For a call to a store or a network that may hang
/// (a database that stopped answering, a driver that lost a request during a restart), where a
/// late answer is worth less than none.
///
/// `body` runs in a task of its own: a call that ignores cancellation keeps running there, but
/// nobody waits for it (a task group would: it awaits every child before it returns). Cancelling
/// the caller ends the wait at once too (`CancellationError`). `late` gets a result that arrives
/// after the caller stopped waiting — a lease taken after all can be given back.
public func withTimeLimit<T: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> T, late: (@Sendable (T) async -> Void)? = nil
) async throws -> T {
    let race = TimeLimitRace<T>(late: late)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation, limit: limit, body)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// A call did not finish within its limit.
public struct TimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// The work and its timer; whichever ends first resumes the caller, once, and stops the other.
private final class TimeLimitRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished: Result<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let late: (@Sendable (T) async -> Void)?

    init(late: (@Sendable (T) async -> Void)?) {
        self.late = late
    }

    func start(_ continuation: CheckedContinuation<T, any Error>, limit: Duration, _ body: @escaping @Sendable () async throws -> T) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let finished = state.finished { return finished }  // cancelled before it started
            state.continuation = continuation
            return nil
        }
        if let early { return continuation.resume(with: early) }
        let work = Task {
            let result = await Result(catching: body)
            if !self.finish(result), case .success(let value) = result { await self.late?(value) }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            self.finish(.failure(TimeLimitExceeded(limit: limit)))
        }
        let done = state.withLock { state -> Bool in
            state.work = work
            state.timer = timer
            return state.finished != nil
        }
        if done {
            work.cancel()
            timer.cancel()
        }
    }

    /// Ends the race with `result`; false when it had already ended.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (won, continuation, work, timer) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?) in
            guard state.finished == nil else { return (false, nil, nil, nil) }
            state.finished = result
            defer { state.continuation = nil }
            return (true, state.continuation, state.work, state.timer)
        }
        work?.cancel()
        timer?.cancel()
        continuation?.resume(with: result)
        return won
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
