import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Talks to the admin listener as a browser and as a script would: redirects are returned, not
/// followed; the session cookie is kept once signed in.
final class AdminClient: Sendable {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var location: String? { headers.first(name: "Location") }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    }

    let base: String
    let cookie: String?
    private let client: HTTPClient

    init(port: Int, cookie: String? = nil) {
        base = "http://127.0.0.1:\(port)"
        self.cookie = cookie
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    func signedIn(with token: String) async throws -> AdminClient {
        let answer = try await post("/admin/login", form: ["token": token])
        guard answer.status == 303, let header = answer.headers.first(name: "Set-Cookie"),
            let value = header.split(separator: ";").first.map(String.init)
        else { throw CLIError("sign-in failed: \(answer.status) \(answer.body)") }
        return AdminClient(port: Int(base.split(separator: ":").last!)!, cookie: value)
    }

    func get(_ path: String, bearer: String? = nil) async throws -> Answer {
        try await send(.GET, path, body: nil, contentType: nil, headers: bearer.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    /// A GET with headers of the caller's (a proxy's `X-Forwarded-For`).
    func get(_ path: String, headers: [String: String]) async throws -> Answer {
        try await send(.GET, path, body: nil, contentType: nil, headers: headers)
    }

    func post(_ path: String, form: [String: String], headers: [String: String]) async throws -> Answer {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await send(.POST, path, body: Data(body.utf8), contentType: "application/x-www-form-urlencoded", headers: headers)
    }

    func post(_ path: String, form: [String: String]) async throws -> Answer {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await send(.POST, path, body: Data(body.utf8), contentType: "application/x-www-form-urlencoded", headers: [:])
    }

    func postJSON(_ path: String, _ json: [String: Any] = [:], bearer: String? = nil, csrf: String? = nil) async throws -> Answer {
        var headers: [String: String] = [:]
        if let bearer { headers["Authorization"] = "Bearer \(bearer)" }
        if let csrf { headers["X-CSRF-Token"] = csrf }
        return try await send(.POST, path, body: try JSONSerialization.data(withJSONObject: json), contentType: "application/json", headers: headers)
    }

    private func send(_ method: HTTPMethod, _ path: String, body: Data?, contentType: String?, headers: [String: String]) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// The CSRF token of a signed-in page's forms.
    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: #"name="csrf" value="[0-9a-f]+""#, options: .regularExpression) else { return nil }
        return String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }
}
