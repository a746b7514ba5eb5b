import Foundation

/// A PostgreSQL server of a test's own — `.ci/start-postgres` on a free port, its data in a
/// temporary folder, stopped and removed afterwards — for the tests that restart the database,
/// which on the shared server would break every other test using it at that moment.
struct PrivatePostgres: Sendable {
    let url: String
    private let restartCommand: String
    private let stopCommand: String
    private let dataDirectory: String?

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// PostgreSQL's server programs are installed (Debian's `postgresql`): a private server can start.
    static var isInstalled: Bool {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }
    }

    /// PostgreSQL is there — the shared server of the tests, or its programs: then the tests that
    /// restart it must run, not be skipped.
    static var isThere: Bool {
        ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"] != nil || isInstalled
    }

    static func withRunning<T>(_ body: (PrivatePostgres) async throws -> T) async throws -> T {
        guard isInstalled else {
            throw CLIError("SWITCHBOARD_TEST_POSTGRES_URL is set but PostgreSQL's server programs are not installed here (apt-get install postgresql): the restart tests need a server of their own")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("private-pg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        // start-postgres prints `export NAME=<shell-quoted value>` lines; bash reads them back.
        let script = """
            eval "$(env -u SWITCHBOARD_TEST_POSTGRES_PORT '\(repository.appendingPathComponent(".ci/start-postgres").path)')" && \
            printf '%s\\n%s\\n%s\\n' "$SWITCHBOARD_TEST_POSTGRES_URL" "$SWITCHBOARD_TEST_POSTGRES_STOP" "$SWITCHBOARD_TEST_POSTGRES_RESTART" > '\(output.path)'
            """
        try await Shell.run(script)
        let lines = String(decoding: try Data(contentsOf: output), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3, !lines[0].isEmpty else { throw CLIError("start-postgres printed no server") }
        let data = lines[1].firstMatch(of: #/-D '([^']+)'/#).map { String($0.output.1) }
        let server = PrivatePostgres(url: lines[0], restartCommand: lines[2], stopCommand: lines[1], dataDirectory: data)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// `pg_ctl restart -m fast`: every connection is cut; the server is back when it returns.
    func restart() async throws {
        try await Shell.run(restartCommand)
    }

    private func stop() async {
        try? await Shell.run(stopCommand)
        if let dataDirectory, dataDirectory.hasPrefix("/tmp/switchboard-pg.") { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }
}

/// Runs a command with bash to its end — spawned and reaped here: Foundation's `Process` left one
/// (`su … pg_ctl restart`) a zombie it never reaped, and its waits never returned.
enum Shell {
    static func run(_ command: String) async throws {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments: [UnsafeMutablePointer<CChar>?] = ["/bin/bash", "-c", command].map { $0.withCString { strdup($0) } } + [nil]
        defer { arguments.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, arguments, environ) == 0 else { throw CLIError("cannot run bash") }
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            guard reaped == 0 else { return }  // reaped elsewhere: it has ended
            try await Task.sleep(for: .milliseconds(50))
        }
        // The command itself is not said: it may hold a connection string.
        guard status == 0 else { throw CLIError("a shell command exited with status \(status)") }
    }
}
