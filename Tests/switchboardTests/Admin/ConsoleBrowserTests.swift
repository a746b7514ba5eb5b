import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// The console in a real browser (Debian's headless Chromium): sign in, open a failed job's page,
/// click retry, and see the job done. Screenshots are kept as test artifacts
/// (`$SWITCHBOARD_TEST_ARTIFACTS`, default `.build/test-artifacts`); with
/// `SWITCHBOARD_README_SCREENSHOTS=1` they are written to `docs/screenshots/` for the README.
@Suite("Console in a browser", .timeLimit(.minutes(10)))
struct ConsoleBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized

    static var artifacts: URL {
        if let path = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_ARTIFACTS"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return root.appendingPathComponent(".build/test-artifacts")
    }

    static func keep(_ tools: DevTools, _ name: String) async throws {
        try await tools.screenshot(to: artifacts.appendingPathComponent("\(name).png"))
        if ProcessInfo.processInfo.environment["SWITCHBOARD_README_SCREENSHOTS"] == "1" {
            try await tools.screenshot(to: root.appendingPathComponent("docs/screenshots/\(name).png"))
        }
    }

    @Test func anOperatorSignsInAndRetriesAFailedJobInTheBrowser() async throws {
        try await AdminConsoleTests.withServer { server, callback, healthy in
            let client = GenericClient(port: try await server.port(), secret: AdminConsoleTests.secret)
            #expect(try await client.post(GenericClient.message("m-1", "请帮我查一下报销进度")) == 200)
            let adminPort = try await server.adminPort()
            _ = try await AdminConsoleTests.waitForStatus(AdminClient(port: adminPort), job: "app:m-1", "failed")
            healthy.set(true)

            let browser = try await HeadlessChromium()
            let base = "http://127.0.0.1:\(adminPort)"
            try await browser.session { tools in
                _ = try await tools.call("Page.enable")
                try await tools.navigate(base + "/admin/login")
                _ = try await tools.evaluate(
                    "document.querySelector('input[name=token]').value = '\(AdminConsoleTests.token)'; document.querySelector('form').submit(); true"
                )
                try await tools.waitFor("the overview") { try await tools.evaluate("location.pathname") as? String == "/admin" }
                try await tools.waitFor("the overview to render") { try await tools.evaluate("document.readyState") as? String == "complete" }
                try await Self.keep(tools, "console-overview")

                try await tools.navigate(base + "/admin/jobs?status=failed")
                try await Self.keep(tools, "console-jobs")
                _ = try await tools.evaluate("document.querySelector('td a').click(); true")
                try await tools.waitFor("the job page") {
                    try await tools.evaluate("document.getElementById('retry') !== null && document.readyState === 'complete'") as? Bool == true
                }
                #expect(try await tools.evaluate("document.getElementById('status').textContent") as? String == "failed")
                try await Self.keep(tools, "console-job-failed")

                _ = try await tools.evaluate("document.getElementById('retry').click(); true")
                try await tools.waitFor("the job to be done") {
                    _ = try await tools.evaluate("location.search.includes('flash') ? (location.search = '', true) : (location.reload(), true)")
                    try await Task.sleep(for: .milliseconds(300))
                    return try await tools.evaluate("document.getElementById('status') && document.getElementById('status').textContent") as? String == "done"
                }
                try await Self.keep(tools, "console-job-done")
            }
            #expect(callback.requests.count == 2, "the retried job was delivered once more")
            #expect(FileManager.default.fileExists(atPath: Self.artifacts.appendingPathComponent("console-job-done.png").path))
        }
    }
}
