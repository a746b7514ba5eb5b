package import Foundation
import SwitchboardTesting
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The platforms' official Python SDKs (Tests/Parity/requirements.txt, pinned), run against the
/// same fakes as Switchboard so that the parity tests can compare what each sends
/// (docs/parity.md). They are installed into `.build/sdk-venv` by `Tests/Parity/install-sdks`,
/// which the first test to need them runs; a machine that cannot install them fails the tests
/// that need them, with the installer's words — never skips them.
package enum OfficialSDK {
    /// The repository's root, from this file's place in it.
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let installed = Mutex<Result<URL, SDKUnavailable>?>(nil)

    /// The virtual environment's Python, installing the SDKs first when they are missing or stale
    /// (the installer takes a file lock, so parallel callers wait for one install).
    package static func python() async throws -> URL {
        if let known = installed.withLock({ $0 }) { return try known.get() }
        let result = await install()
        installed.withLock { $0 = result }
        return try result.get()
    }

    /// The exit status of `process`, waited for without blocking a thread (Foundation's
    /// `waitUntilExit` spins on Linux when called off the main thread).
    package static func exitStatus(_ process: Process) async -> Int32 {
        // A guard, not a measure: the installer may take minutes on a cold cache.
        if (try? await waitUntil("the exit", timeout: .seconds(900), poll: .milliseconds(20)) { !process.isRunning }) == nil {
            process.terminate()
            try? await waitUntil("the exit after SIGTERM", timeout: .seconds(10), poll: .milliseconds(20)) { !process.isRunning }
        }
        return process.isRunning ? -1 : process.terminationStatus
    }

    private static func install() async -> Result<URL, SDKUnavailable> {
        let script = root.appendingPathComponent("Tests/Parity/install-sdks")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return .failure(SDKUnavailable("cannot run Tests/Parity/install-sdks: \(error)"))
        }
        // Read on a thread of its own: parallel callers wait here for the installer's file lock.
        let said = String(decoding: (try? await onThreadOfItsOwn { output.fileHandleForReading.readDataToEndOfFile() }) ?? Data(), as: UTF8.self)
        guard await exitStatus(process) == 0 else {
            return .failure(SDKUnavailable("Tests/Parity/install-sdks failed (\(process.terminationStatus)); the parity tests need the official SDKs from PyPI:\n\(said)"))
        }
        return .success(root.appendingPathComponent(".build/sdk-venv/bin/python"))
    }

    /// The pinned versions, `name==version`, of the four SDKs.
    package static var versions: [String: String] {
        let text = (try? String(contentsOf: root.appendingPathComponent("Tests/Parity/requirements.txt"), encoding: .utf8)) ?? ""
        var versions: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", omittingEmptySubsequences: true)
            if parts.count == 2, ["lark-oapi", "dingtalk-stream", "wecom-aibot-python-sdk", "wechatpy"].contains(String(parts[0])) {
                versions[String(parts[0])] = String(parts[1])
            }
        }
        return versions
    }

    /// Starts `Tests/Parity/sdk/<script>` with `arguments`; stop it with ``Running/stop()``.
    package static func start(_ script: String, _ arguments: [String]) async throws -> Running {
        let process = Process()
        process.executableURL = try await python()
        process.arguments = [root.appendingPathComponent("Tests/Parity/sdk/\(script)").path] + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sdk-\(script)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return Running(process: process, log: log)
    }

    /// Runs `Tests/Parity/sdk/<script>` to its end and returns what it printed on standard output.
    package static func run(_ script: String, _ arguments: [String], input: Data = Data()) async throws -> Data {
        let process = Process()
        process.executableURL = try await python()
        process.arguments = [root.appendingPathComponent("Tests/Parity/sdk/\(script)").path] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        // Standard error to a file: read after the end, it cannot fill a pipe and stall the script.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sdk-\(script)-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        // Writing the input and reading the output block until the script takes and gives them.
        let output = try await onThreadOfItsOwn {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
            return stdout.fileHandleForReading.readDataToEndOfFile()
        }
        let status = await exitStatus(process)
        let errors = (try? Data(contentsOf: log)) ?? Data()
        guard status == 0 else {
            throw SDKUnavailable("\(script) exited \(process.terminationStatus): \(String(decoding: errors.suffix(4000), as: UTF8.self))")
        }
        return output
    }

    /// An SDK client running in its own process.
    package final class Running: Sendable {
        let process: Process
        package let log: URL

        init(process: Process, log: URL) {
            self.process = process
            self.log = log
        }

        /// What it has printed so far (for a failing test's message).
        package var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Ends it: SIGTERM, then SIGKILL after 5 s.
        package func stop() async {
            if process.isRunning {
                process.terminate()
                try? await waitUntil("the SDK's exit", timeout: .seconds(5), poll: .milliseconds(20)) { !process.isRunning }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            try? FileManager.default.removeItem(at: log)
        }

        deinit {
            if process.isRunning { process.terminate() }
        }
    }
}

/// The official SDKs could not be installed or run.
package struct SDKUnavailable: Error, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
