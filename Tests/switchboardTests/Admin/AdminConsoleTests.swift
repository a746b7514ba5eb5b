import Foundation
import HTTPTypes
import Synchronization
import SwitchboardCore
import SwitchboardTesting
import Testing

/// The admin console and its API on the real binary: sign-in, every page, CSRF, and a failed job
/// retried from the console that is delivered exactly once more.
@Suite("Admin console", .timeLimit(.minutes(5)))
struct AdminConsoleTests {
    static let secret = "admin-test-secret-0123456789"
    static let token = "admin-test-token-0123456789"

    /// A bot whose callback fails until `healthy` is set; one attempt per job, so a job fails for
    /// good at once.
    static func withServer(admin extra: String = "", _ body: (ServerProcess, LoopbackServer, CallbackSwitch) async throws -> Void) async throws {
        let healthy = CallbackSwitch()
        try await LoopbackServer.withRunning(respond: { _ in healthy.isOn ? WebhookResponse() : WebhookResponse.text("down", status: .internalServerError) }) { callback in
            let directory = try scratchDirectory()
            try """
                admin: {port: 0, token: "\(token)"\(extra)}
                engine: {max_attempts: 1, poll_interval: 200ms}
                backends: {echo: {type: echo}}
                bots: {app: {platform: generic, secret: "\(secret)", callback_url: "\(callback.url)/reply"}}
                routes: [{name: direct, when: {chat: direct}, backend: echo}]
                """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
            let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
            _ = try await server.port()
            try await body(server, callback, healthy)
            #expect(try await server.terminate() == 0)
        }
    }

    static func waitForStatus(_ admin: AdminClient, job: String, _ status: String, token: String = token) async throws -> [String: Any] {
        var detail: [String: Any] = [:]
        try await waitUntil("job \(job) \(status)", timeout: .seconds(30), poll: .milliseconds(100)) {
            detail = try await admin.get("/admin/api/jobs/\(job)", bearer: token).json as? [String: Any] ?? [:]
            return (detail["summary"] as? [String: Any])?["status"] as? String == status
        }
        return detail
    }

    @Test func aFailedJobIsFoundSeenAndRetriedOnceFromTheConsole() async throws {
        try await Self.withServer { server, callback, healthy in
            let client = GenericClient(port: try await server.port(), secret: Self.secret)
            #expect(try await client.post(GenericClient.message("m-1", "hello")) == 200)
            let anonymous = AdminClient(port: try await server.adminPort())
            _ = try await Self.waitForStatus(anonymous, job: "app:m-1", "failed")
            #expect(callback.requests.count == 1)

            // Signed out: pages send to the sign-in form; the API wants a token.
            #expect(try await anonymous.get("/admin").location == "/admin/login")
            #expect(try await anonymous.get("/admin/jobs").location == "/admin/login")
            #expect(try await anonymous.get("/admin/api/jobs").status == 401)
            #expect(try await anonymous.get("/admin/api/jobs", bearer: "not-the-token-0123456789").status == 401)
            let wrong = try await anonymous.post("/admin/login", form: ["token": "not-the-token-0123456789"])
            #expect(wrong.status == 401 && wrong.body.contains("Wrong token"))
            #expect(wrong.headers.first(name: "Set-Cookie") == nil)

            let login = try await anonymous.post("/admin/login", form: ["token": Self.token])
            let cookie = try #require(login.headers.first(name: "Set-Cookie"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/admin"))
            let admin = try await anonymous.signedIn(with: Self.token)

            // Every page renders, in both languages.
            let overview = try await admin.get("/admin")
            #expect(overview.status == 200 && overview.body.contains("概览 Overview") && overview.body.contains("/webhooks/app"))
            #expect(overview.body.contains("<svg") && overview.headers.first(name: "Content-Security-Policy") != nil)
            let routes = try await admin.get("/admin/routes?try=1&bot=app&chat=direct&text=hi")
            #expect(routes.status == 200 && routes.body.contains("<b>reply</b>") && routes.body.contains("echo|app|user:u-try-user") == false)
            #expect(routes.body.contains("direct") && routes.body.contains("Routing only: nothing is sent."))
            let list = try await admin.get("/admin/jobs?status=failed&within=1h")
            #expect(list.status == 200 && list.body.contains("app:m-1") && list.body.contains("callback"))
            let page = try await admin.get("/admin/jobs/app%3Am-1")
            #expect(page.status == 200 && page.body.contains(#"id="retry""#) && page.body.contains("&quot;text&quot; : &quot;hello&quot;"))
            let csrf = try #require(AdminClient.csrf(in: page.body))

            // A retry without the form's CSRF token (another site's form) does nothing.
            #expect(try await admin.post("/admin/jobs/app%3Am-1/retry", form: [:]).status == 403)
            #expect(try await admin.post("/admin/jobs/app%3Am-1/retry", form: ["csrf": String(repeating: "0", count: 64)]).status == 403)
            #expect(try await admin.postJSON("/admin/api/jobs/app:m-1/retry").status == 403, "a session's API call needs X-CSRF-Token")
            // Still failed, never requeued: nothing was retried.
            let untouched = try await Self.waitForStatus(admin, job: "app:m-1", "failed")
            #expect((untouched["history"] as? [[String: Any]] ?? []).compactMap { $0["outcome"] as? String } == ["failed"])
            #expect(callback.requests.count == 1)

            // The platform is back; retry from the console: delivered once more, then done.
            healthy.set(true)
            let retried = try await admin.post("/admin/jobs/app%3Am-1/retry", form: ["csrf": csrf])
            #expect(retried.status == 303 && retried.location == "/admin/jobs/app%3Am-1", "the result is kept in the session, not in the URL")
            let shown = try await admin.get("/admin/jobs/app%3Am-1")
            #expect(shown.body.contains(#"class="flash""#), "the next page shows the result")
            #expect(!(try await admin.get("/admin/jobs/app%3Am-1")).body.contains(#"class="flash""#), "once")
            let done = try await Self.waitForStatus(admin, job: "app:m-1", "done")
            #expect(callback.requests.count == 2)
            let outcomes = (done["history"] as? [[String: Any]] ?? []).compactMap { $0["outcome"] as? String }
            // Done is final: the job is never run again, so the count stands.
            #expect(outcomes == ["failed", "requeued", "done"])
            #expect(callback.requests.count == 2, "retried once, delivered once")
            #expect(try await admin.postJSON("/admin/api/jobs/app:m-1/retry", bearer: Self.token).status == 409, "a done job is not retried")
            #expect(try await admin.get("/admin/api/jobs/app:nope", bearer: Self.token).status == 404)

            // Conversations: look one up and reset it.
            let key = try #require((done["route"] as? [String: Any])?["scope_key"] as? String)
            let conversations = try await admin.get("/admin/conversations?key=\(AdminClient.percent(key))")
            #expect(conversations.status == 200 && conversations.body.contains(#"id="reset""#))
            let reset = try await admin.post("/admin/conversations/reset", form: ["csrf": csrf, "key": key])
            #expect(reset.status == 303 && !(reset.location ?? "").contains("flash="))
            #expect(try await admin.get(reset.location ?? "/admin").body.contains(#"class="flash""#))
            let api = try await admin.get("/admin/api/conversations?key=\(AdminClient.percent(key))", bearer: Self.token)
            #expect((api.json as? [String: Any])?["generation"] as? Int == 1)

            // /metrics moved to the admin listener.
            let main = try await AdminClient(port: try await server.port()).get("/metrics")
            #expect(main.status == 404 && main.body.contains("admin listener"))
            #expect(try await anonymous.get("/metrics").body.contains("switchboard_webhooks_total"))

            // Signing out ends the session.
            #expect(try await admin.post("/admin/logout", form: ["csrf": csrf]).status == 303)
            #expect(try await admin.get("/admin").location == "/admin/login")
        }
    }

    @Test func theAPIListsFiltersAndRoutesWithAToken() async throws {
        try await Self.withServer { server, _, _ in
            let client = GenericClient(port: try await server.port(), secret: Self.secret)
            #expect(try await client.post(GenericClient.message("m-1", "one")) == 200)
            let admin = AdminClient(port: try await server.adminPort())
            _ = try await Self.waitForStatus(admin, job: "app:m-1", "failed")
            let failed = try await admin.get("/admin/api/jobs?status=failed&bot=app", bearer: Self.token)
            #expect((failed.json as? [[String: Any]])?.map { $0["id"] as? String } == ["app:m-1"])
            #expect(try await admin.get("/admin/api/jobs?status=bogus", bearer: Self.token).status == 400)
            let tried = try await admin.postJSON(
                "/admin/api/routes/try", ["platform": "generic", "bot": "app", "chat": "group", "text": "hi", "mentions_bot": false], bearer: Self.token
            )
            #expect((tried.json as? [String: Any])?["decision"] as? String == "ignore", "\(tried.body)")
            let routes = try await admin.get("/admin/api/routes", bearer: Self.token)
            #expect(((routes.json as? [String: Any])?["rules"] as? [[String: Any]])?.first?["name"] as? String == "direct")
            let overview = try await admin.get("/admin/api/overview", bearer: Self.token)
            let bots = (overview.json as? [String: Any])?["bots"] as? [[String: Any]]
            #expect(bots?.first?["id"] as? String == "app")
            #expect(((bots?.first?["status"] as? [String: Any])?["last_error"] as? String)?.contains("callback") == true)
            let discarded = try await admin.postJSON("/admin/api/jobs/app:m-1/discard", bearer: Self.token)
            #expect(discarded.status == 200)
            #expect(try await admin.get("/admin/api/jobs/app:m-1", bearer: Self.token).body.contains(#""status":"discarded""#))
        }
    }

    @Test("wrong tokens are counted per client and limited after five a minute; the right token is never refused; a tried token is never logged; API answers are neither cached nor sniffed")
    func wrongTokensAreRateLimited() async throws {
        try await Self.withServer { server, _, _ in
            let admin = AdminClient(port: try await server.adminPort())
            for _ in 0..<5 {
                #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"]).status == 401)
            }
            #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"]).status == 429)
            #expect(try await admin.get("/admin/api/jobs", bearer: "wrong-token-0123456789").status == 429)
            // The right token still signs in, and the API still takes it (`switchboard jobs`, reload).
            #expect(try await admin.post("/admin/login", form: ["token": Self.token]).status == 303)
            let jobs = try await admin.get("/admin/api/jobs", bearer: Self.token)
            #expect(jobs.status == 200)
            #expect(jobs.headers.first(name: "Cache-Control") == "no-store" && jobs.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(server.output.contains("admin sign-in refused: wrong token"))
            #expect(!server.output.contains("wrong-token-0123456789"), "a tried token is never logged")
        }
    }

    @Test("twenty wrong guesses at once get no more than five answers of 'wrong token': the check and the count are one step")
    func parallelGuessesAreCountedTogether() async throws {
        try await Self.withServer { server, _, _ in
            let admin = AdminClient(port: try await server.adminPort())
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 { group.addTask { try await admin.post("/admin/login", form: ["token": "guess-\(index)-0123456789"]).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 401 }.count == 5 && statuses.filter { $0 == 429 }.count == 15, "\(statuses.sorted())")
        }
    }

    @Test("behind a trusted proxy the forwarded address is the client: one person's wrong tokens do not lock out the others; a peer that is not a trusted proxy cannot choose its address by the header; Secure cookies under an https public_url")
    func behindAProxy() async throws {
        try await Self.withServer(admin: ", trusted_proxies: [127.0.0.1], public_url: \"https://admin.corp.example\"") { server, _, _ in
            let admin = AdminClient(port: try await server.adminPort())
            let mallory = ["X-Forwarded-For": "203.0.113.5"]
            for _ in 0..<5 {
                #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: mallory).status == 401)
            }
            #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: mallory).status == 429)
            // Another admin behind the same proxy is not limited.
            let alice = ["X-Forwarded-For": "198.51.100.7"]
            #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: alice).status == 401)
            let login = try await admin.post("/admin/login", form: ["token": Self.token], headers: alice)
            #expect(login.status == 303)
            #expect(login.headers.first(name: "Set-Cookie")?.contains("; Secure") == true)
            // A client's own X-Forwarded-For is read from the right, past the trusted proxies only.
            let spoofed = ["X-Forwarded-For": "198.51.100.7, 203.0.113.5"]
            #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: spoofed).status == 429)
        }
        // Without trusted_proxies the peer is the client, whatever the header says.
        try await Self.withServer { server, _, _ in
            let admin = AdminClient(port: try await server.adminPort())
            for index in 0..<5 {
                #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: ["X-Forwarded-For": "198.51.100.\(index)"]).status == 401)
            }
            #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: ["X-Forwarded-For": "198.51.100.99"]).status == 429)
            #expect(try await admin.post("/admin/login", form: ["token": Self.token]).headers.first(name: "Set-Cookie")?.contains("Secure") == false)
        }
    }

    @Test("fifty wrong tokens a minute from everyone together limit further wrong tokens for all, the right one still welcome")
    func aGlobalBudgetOfFailures() async throws {
        try await Self.withServer(admin: ", trusted_proxies: [127.0.0.1]") { server, _, _ in
            let admin = AdminClient(port: try await server.adminPort())
            for index in 0..<50 {
                let from = ["X-Forwarded-For": "198.51.100.\(index / 4)"]
                #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: from).status == 401)
            }
            #expect(try await admin.post("/admin/login", form: ["token": "wrong-token-0123456789"], headers: ["X-Forwarded-For": "192.0.2.200"]).status == 429)
            #expect(try await admin.post("/admin/login", form: ["token": Self.token], headers: ["X-Forwarded-For": "192.0.2.200"]).status == 303)
        }
    }

    @Test("a console on a network address without TLS in front is warned about at start")
    func exposedConsoleIsWarnedAbout() async throws {
        let directory = try scratchDirectory()
        try """
            admin: {host: 0.0.0.0, port: 0, token: "\(Self.token)"}
            bots: {app: {platform: generic, secret: "\(Self.secret)"}}
            """.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
        let server = try ServerProcess(["serve", "--port", "0"], in: directory, environment: ["SWITCHBOARD_CONFIG": ""])
        _ = try await server.port()
        #expect(server.output.contains("warning: admin.host is 0.0.0.0: the console is reachable from the network"), "\(server.output)")
        #expect(try await server.terminate() == 0)
    }
}

extension AdminClient {
    static func percent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

/// A switch a test flips while a loopback server reads it.
final class CallbackSwitch: Sendable {
    private let value = Mutex(false)
    var isOn: Bool { value.withLock { $0 } }
    func set(_ on: Bool) { value.withLock { $0 = on } }
}
