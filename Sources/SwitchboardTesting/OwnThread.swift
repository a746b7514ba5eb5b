public import Foundation

/// Runs blocking work — reading a child process's output to its end, waiting for its exit — on a
/// thread of its own. On the concurrency pool (as many threads as cores: two in CI) such a call
/// holds a thread for as long as the child runs, and every test beside it that waits for a timer
/// or a socket waits for that too.
public func onThreadOfItsOwn<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Waits for `process` to exit from a thread that may block (Foundation's `waitUntilExit` spins
/// on Linux off the main thread): polls every 10 ms.
public func blockUntilExit(_ process: Process) -> Int32 {
    while process.isRunning { usleep(10_000) }
    return process.terminationStatus
}
