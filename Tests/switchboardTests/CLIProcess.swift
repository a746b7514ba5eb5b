import Foundation
import Synchronization
import SwitchboardTesting

/// The `switchboard` binary built next to the test bundle, run as a child process.
struct CLIProcess {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("switchboard")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs to completion, blocking the calling thread (see ``runAsync(_:in:environment:)``).
    private static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        return Output(status: blockUntilExit(process), stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs to completion on a thread of its own, so that servers in this test process (a fake
    /// Dify the command calls) keep the cooperative threads.
    static func runAsync(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> Output {
        try await onThreadOfItsOwn { try run(arguments, in: directory, environment: environment) }
    }
}

/// A long-running `switchboard serve` whose stderr is collected as it arrives.
final class ServerProcess: Sendable {
    private let process: Process
    private let stderr = TextBuffer()

    /// `pinnedTo`: started through `taskset -c <core>` (the same process: taskset execs it).
    init(_ arguments: [String], in directory: URL, environment: [String: String] = [:], pinnedTo core: Int? = nil) throws {
        let process = Process()
        if let core {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", String(core), CLIProcess.binary.path] + arguments
        } else {
            process.executableURL = CLIProcess.binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        self.process = process
        err.fileHandleForReading.readabilityHandler = { [stderr] handle in
            let data = handle.availableData
            stderr.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var output: String { stderr.text.withLock { $0 } }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// The port from the "listening on" banner.
    func port(timeout: Duration = .seconds(60)) async throws -> Int {
        try await bannerPort("listening on", timeout: timeout)
    }

    /// The admin console's port, from its banner line.
    func adminPort(timeout: Duration = .seconds(60)) async throws -> Int {
        try await bannerPort("admin console on", timeout: timeout)
    }

    private func bannerPort(_ banner: String, timeout: Duration) async throws -> Int {
        do {
            return try await waitUntilFound("the \"\(banner)\" banner", timeout: timeout, poll: .milliseconds(50)) {
                if let range = output.range(of: banner + #" http://[0-9.]+:(\d+)"#, options: .regularExpression) {
                    let text = output[range]
                    return Int(text[text.index(after: text.lastIndex(of: ":")!)...])!
                }
                guard process.isRunning else { throw CLIError("serve exited early: \(output)") }
                return nil
            }
        } catch is WaitTimeout {
            throw CLIError("no \"\(banner)\" banner: \(output)")
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    func terminate(timeout: Duration = .seconds(60)) async throws -> Int32 {
        process.terminate()
        do {
            try await waitUntil("the exit", timeout: timeout, poll: .milliseconds(50)) { !process.isRunning }
        } catch is WaitTimeout {
            kill(process.processIdentifier, SIGKILL)
            throw CLIError("serve did not exit after SIGTERM: \(output)")
        }
        return process.terminationStatus
    }

    /// Sends `signal` (SIGHUP: reload).
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// `kill -9`: no shutdown, no draining, no chance to write anything more.
    func kill9() async throws {
        kill(process.processIdentifier, SIGKILL)
        try await waitUntil("the killed process gone", poll: .milliseconds(20)) { !process.isRunning }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Text appended by a pipe's handler and read by the test.
final class TextBuffer: Sendable {
    let text = Mutex("")
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh empty directory.
func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
