import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// The admin listener: the console's pages under `/admin`, its JSON API under `/admin/api`, and
/// `/metrics`. Pages need a signed-in session; the API a session or `Authorization: Bearer
/// <admin token>`. Every state-changing request from a session carries its CSRF token (a hidden
/// form field, or `X-CSRF-Token` for scripts).
struct AdminRoutes: Sendable {
    let service: AdminService
    let auth: AdminAuth
    let pages = AdminPages()
    let metrics: MetricsEndpoint?
    let reload: (@Sendable () async -> Result<String, any Error>)?
    let logger: Logger
    /// How the client's address is read (`admin.trusted_proxies`).
    var addresses = AdminClientAddress(trustedProxies: [])

    func router() -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        router.get("/healthz") { _, _ in Self.text("ok\n") }
        router.get("/metrics") { _, _ in MetricsEndpoint.response(metrics) }
        registerSignIn(router)
        registerPages(router)
        registerAPI(router)
        return router
    }

    // MARK: Signing in

    private func registerSignIn(_ router: Router<AdminRequestContext>) {
        router.get("/admin/login") { _, _ in
            html(pages.page("login", [:], frame: .init(title: "登录 Sign in")))
        }
        router.post("/admin/login") { request, context in
            let form = try await Self.form(request)
            let client = client(of: request, context)
            switch auth.attempt(form["token"] ?? "", client: client) {
            case .granted:
                let (id, _) = auth.startSession()
                var response = Self.redirect("/admin")
                response.headers[.setCookie] = auth.cookie(id)
                return response
            case .limited:
                return html(pages.page("login", [:], frame: .init(title: "登录 Sign in", error: "尝试次数过多，请一分钟后再试。Too many wrong tokens; try again in a minute.")), status: .tooManyRequests)
            case .wrong:
                logger.notice("admin sign-in refused: wrong token", metadata: ["client": "\(client)"])
                return html(pages.page("login", [:], frame: .init(title: "登录 Sign in", error: "令牌不对。Wrong token.")), status: .unauthorized)
            }
        }
        router.post("/admin/logout") { request, _ in
            if let (id, _) = try await session(request) { auth.endSession(id) }
            var response = Self.redirect("/admin/login")
            response.headers[.setCookie] = auth.cookie(nil)
            return response
        }
    }

    // MARK: Pages

    private func registerPages(_ router: Router<AdminRequestContext>) {
        router.get("/admin") { request, _ in
            try await signedIn(request) { csrf, flash in
                return html(pages.page(
                    "overview", AdminPages.overview(await service.overview()), frame: .init(title: "概览 Overview", csrf: csrf, flash: flash, refresh: 30)
                ))
            }
        }
        router.get("/admin/routes") { request, _ in
            try await signedIn(request) { csrf, flash in
                let query = request.uri.queryParameters
                var form: AdminViews.TryMessage?
                var result: AdminViews.TryResult?
                var problem: String?
                if query.get("try") != nil {
                    let message = AdminViews.TryMessage(
                        platform: "", bot: query.get("bot") ?? "", chat: query.get("chat") ?? "direct", text: query.get("text") ?? "",
                        mentionsBot: query.get("mentions") == "1"
                    )
                    form = message
                    do { result = try service.tryMessage(message) } catch { problem = "\(error)" }
                }
                let bots = await service.overview().bots
                return html(pages.page(
                    "routes", AdminPages.routes(service.routes(), bots: bots, form: form, result: result),
                    frame: .init(title: "路由 Routes", csrf: csrf, error: problem)
                ))
            }
        }
        router.get("/admin/jobs") { request, _ in
            try await signedIn(request) { csrf, flash in
                let query = request.uri.queryParameters
                let status = query.get("status") ?? "", bot = query.get("bot") ?? "", within = query.get("within") ?? "24h"
                let seconds = AdminPages.windows.first { $0.value == within }?.seconds
                do {
                    let jobs = try await service.jobs(status: status, bot: bot, since: seconds.map { service.clock().addingTimeInterval(-$0) }, limit: 200)
                    return html(pages.page("jobs", AdminPages.jobs(jobs, status: status, bot: bot, within: within), frame: .init(title: "任务 Jobs", csrf: csrf, refresh: 30)))
                } catch let error as AdminError {
                    return html(pages.page("jobs", AdminPages.jobs([], status: "", bot: bot, within: within), frame: .init(title: "任务 Jobs", csrf: csrf, error: "\(error)")), status: .badRequest)
                }
            }
        }
        router.get("/admin/jobs/:id") { request, context in
            try await signedIn(request) { csrf, flash in
                let id = Self.jobID(context)
                do {
                    let job = try await service.job(id: id)
                    return html(pages.page(
                        "job", AdminPages.job(job), frame: .init(title: "任务 Job", csrf: csrf, flash: flash)
                    ))
                } catch let error as AdminError {
                    return html(pages.page("jobs", AdminPages.jobs([], status: "", bot: "", within: "24h"), frame: .init(title: "任务 Jobs", csrf: csrf, error: "\(error)")), status: .notFound)
                }
            }
        }
        router.get("/admin/conversations") { request, _ in
            try await signedIn(request) { csrf, flash in
                let key = request.uri.queryParameters.get("key") ?? ""
                let conversation = key.isEmpty ? nil : try? await service.conversation(key: key)
                return html(pages.page(
                    "conversations", AdminPages.conversation(conversation, key: key),
                    frame: .init(title: "会话 Conversations", csrf: csrf, flash: flash)
                ))
            }
        }
        // Actions: POST with the CSRF token, then back to a page with what happened.
        router.post("/admin/jobs/:id/retry") { request, context in
            let id = Self.jobID(context)
            return try await formAction(request, back: "/admin/jobs/\(AdminPages.pathComponent(id))") { _ in try await service.retry(id: id).message }
        }
        router.post("/admin/jobs/:id/discard") { request, context in
            let id = Self.jobID(context)
            return try await formAction(request, back: "/admin/jobs/\(AdminPages.pathComponent(id))") { _ in try await service.discard(id: id).message }
        }
        router.post("/admin/conversations/reset") { request, _ in
            try await formAction(request, back: { form in "/admin/conversations?key=\(Self.queryEncoded(form["key"] ?? ""))" }) { form in
                try await service.resetConversation(key: form["key"] ?? "").message
            }
        }
        router.post("/admin/backends/check") { request, _ in
            try await formAction(request, back: "/admin") { _ in
                let results = await service.checkBackends()
                return "后端已检查 Backends checked: " + results.map { "\($0.name) \($0.check)" }.joined(separator: ", ")
            }
        }
        router.post("/admin/reload") { request, _ in
            try await formAction(request, back: "/admin") { _ in try await runReload() }
        }
    }

    // MARK: JSON API

    private func registerAPI(_ router: Router<AdminRequestContext>) {
        router.get("/admin/api/overview") { request, context in
            try await api(request, context) { _ in await service.overview() }
        }
        router.get("/admin/api/routes") { request, context in
            try await api(request, context) { _ in service.routes() }
        }
        router.post("/admin/api/routes/try") { request, context in
            try await api(request, context) { body in try service.tryMessage(try Self.decode(AdminViews.TryMessage.self, body)) }
        }
        router.get("/admin/api/jobs") { request, context in
            try await api(request, context) { _ in
                let query = request.uri.queryParameters
                let since = try query.get("since").map { text -> Date in
                    guard let seconds = Double(text) else { throw AdminError.badRequest("since is Unix seconds") }
                    return Date(timeIntervalSince1970: seconds)
                }
                return try await service.jobs(status: query.get("status"), bot: query.get("bot"), since: since, limit: query.get("limit").flatMap(Int.init) ?? 50)
            }
        }
        router.get("/admin/api/jobs/:id") { request, context in
            try await api(request, context) { _ in try await service.job(id: Self.jobID(context)) }
        }
        router.post("/admin/api/jobs/:id/retry") { request, context in
            try await api(request, context) { _ in try await service.retry(id: Self.jobID(context)) }
        }
        router.post("/admin/api/jobs/:id/discard") { request, context in
            try await api(request, context) { _ in try await service.discard(id: Self.jobID(context)) }
        }
        router.get("/admin/api/conversations") { request, context in
            try await api(request, context) { _ in try await service.conversation(key: request.uri.queryParameters.get("key") ?? "") }
        }
        router.post("/admin/api/conversations/reset") { request, context in
            try await api(request, context) { body in
                struct Body: Decodable { var key: String }
                return try await service.resetConversation(key: try Self.decode(Body.self, body).key)
            }
        }
        router.post("/admin/api/backends/check") { request, context in
            try await api(request, context) { _ in await service.checkBackends() }
        }
        router.post("/admin/api/reload") { request, context in
            try await api(request, context) { _ in AdminViews.Action(ok: true, message: try await runReload()) }
        }
    }

    private func runReload() async throws -> String {
        guard let reload else { throw AdminError.conflict("this server cannot reload (it was not started from a configuration file)") }
        switch await reload() {
        case .success(let message): return message
        case .failure(let error): throw AdminError.conflict("\(error)")
        }
    }

    // MARK: Plumbing

    /// The signed-in session (cookie) of a request.
    private func session(_ request: Request) async throws -> (String, AdminAuth.Session)? {
        guard let id = Self.cookie(AdminAuth.cookieName, in: request), let session = auth.session(id) else { return nil }
        return (id, session)
    }

    /// A page for a signed-in session: its CSRF token and the message a form left for it.
    private func signedIn(_ request: Request, _ body: (String, String?) async throws -> Response) async throws -> Response {
        guard let (id, session) = try await session(request) else { return Self.redirect("/admin/login") }
        return try await body(session.csrf, auth.takeFlash(session: id))
    }

    /// Who asks: the peer, or behind a trusted proxy the address it forwards.
    private func client(of request: Request, _ context: AdminRequestContext) -> String {
        addresses.client(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
            realIP: request.headers[HTTPField.Name("X-Real-IP")!]
        )
    }

    /// A form POST: signed in, CSRF checked, then `action` (its message, or its error, shown on
    /// `back`).
    private func formAction(
        _ request: Request, back: ([String: String]) -> String, _ action: ([String: String]) async throws -> String
    ) async throws -> Response {
        let form = try await Self.form(request)
        guard let (id, session) = try await session(request) else { return Self.redirect("/admin/login") }
        guard let csrf = form["csrf"], ConstantTime.equals(csrf, session.csrf) else {
            return Self.text("the form's CSRF token is missing or stale; reload the page and try again\n", status: .forbidden)
        }
        let message: String
        do {
            message = try await action(form)
        } catch let error as AdminError {
            message = "⚠️ \(error)"
        }
        // Kept in the session for the next page, not in its URL (which a proxy's log, the
        // history and a Referer would keep).
        auth.setFlash(message, session: id)
        return Self.redirect(back(form))
    }

    private func formAction(_ request: Request, back: String, _ action: ([String: String]) async throws -> String) async throws -> Response {
        try await formAction(request, back: { _ in back }, action)
    }

    /// A JSON API call: Bearer token or session (+ CSRF header when it changes something).
    private func api<T: Encodable>(_ request: Request, _ context: AdminRequestContext, _ body: (Data) async throws -> T) async throws -> Response {
        var request = request
        if let authorization = request.headers[.authorization] {
            let candidate = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst("Bearer ".count)) : ""
            switch auth.attempt(candidate, client: client(of: request, context)) {
            case .granted: break
            case .limited: return Self.json(["error": "too many wrong tokens; try again in a minute"], status: .tooManyRequests)
            case .wrong: return Self.json(["error": "wrong admin token (Authorization: Bearer <admin.token>)"], status: .unauthorized)
            }
        } else {
            guard let (_, session) = try await session(request) else {
                return Self.json(["error": "sign in, or send Authorization: Bearer <admin.token>"], status: .unauthorized)
            }
            if request.method != .get {
                guard let csrf = request.headers[HTTPField.Name("X-CSRF-Token")!], ConstantTime.equals(csrf, session.csrf) else {
                    return Self.json(["error": "X-CSRF-Token is missing or stale"], status: .forbidden)
                }
            }
        }
        let data = Data(buffer: try await request.collectBody(upTo: 1 << 20))
        do {
            return Self.json(try await body(data))
        } catch let error as AdminError {
            return Self.json(["error": error.description], status: HTTPResponse.Status(code: error.status))
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: body)
        } catch {
            throw AdminError.badRequest("the body is not the JSON this call takes")
        }
    }

    /// The API's JSON: snake_case keys, ISO 8601 times.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        // Never cached by a proxy or a browser, never read as anything but JSON.
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: ResponseBody(byteBuffer: ByteBuffer(data: data))
        )
    }

    private func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Frame-Options")!: "DENY",
                      HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                      HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == name { return String(pair[1]) }
            }
        }
        return nil
    }

    /// An `application/x-www-form-urlencoded` body.
    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 1 << 16)).replacingOccurrences(of: "+", with: "%20")
        let items = WebhookRequest(method: .post, path: "", rawQuery: body, headers: [:], body: Data()).queryItems
        return Dictionary(items.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The job id in the path, percent-decoded (ids hold `:`).
    static func jobID(_ context: AdminRequestContext) -> String {
        let raw = context.parameters.get("id") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    static func queryEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? ""
    }
}
