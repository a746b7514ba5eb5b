import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore
import Synchronization

/// `POST /notify/<target>` and `POST /notify` (fan-out): `Authorization: Bearer <token>` compared
/// in constant time with each target's token (401 and nothing sent otherwise), a JSON body
/// `{"markdown": "…", "mention": ["…"], "targets": ["…"]}`, and an answer per target with the
/// platform's message ids or its error — HTTP 200 when every target took it, 502 when one did not.
struct NotifyRoutes: Sendable {
    /// The targets' notifier; a reload replaces it.
    let live: LiveNotifier
    let maxBodyBytes: Int
    var notifier: Notifier { live.current }

    struct Body: Decodable {
        var markdown: String
        var mention: [String]?
        var targets: [String]?
    }

    struct FanOut: Encodable {
        var results: [NotifyResult]
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/notify/:target") { request, context in
            try await notify(request, targets: [context.parameters.get("target") ?? ""])
        }
        router.post("/notify") { request, _ in
            try await notify(request, targets: nil)
        }
    }

    private func notify(_ request: Request, targets named: [String]?) async throws -> Response {
        // One snapshot per request: a reload meanwhile does not mix two sets of targets.
        let notifier = live.current
        // The token first: without one that some target accepts, nothing — not even whether a
        // target exists — is told.
        let given = Self.bearer(request.headers[.authorization])
        // Compared with every token (no early exit), each in constant time.
        guard let given, notifier.targets.values.map({ ConstantTime.equals($0.token ?? "", given) }).contains(true) else {
            return Self.unauthorized()
        }
        var request = request
        let data: Data
        do {
            data = Data(buffer: try await request.collectBody(upTo: maxBodyBytes))
        } catch is NIOTooManyBytesError {
            return Self.error("request body larger than \(maxBodyBytes) bytes", status: .contentTooLarge)
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: data), !body.markdown.isEmpty else {
            return Self.error(#"the body must be JSON {"markdown": "…", "mention": […]} with a non-empty markdown"#, status: .badRequest)
        }
        let names = named ?? body.targets ?? []
        guard !names.isEmpty else { return Self.error(#"name the targets: POST /notify/<target>, or "targets": […] in the body"#, status: .badRequest) }
        if let unknown = names.first(where: { notifier.targets[$0] == nil }) {
            return Self.error("no notification target \(unknown); targets are configured under targets:", status: .notFound)
        }
        // Every named target must accept the token before anything is sent.
        guard names.allSatisfy({ ConstantTime.equals(notifier.targets[$0]?.token ?? "", given) }) else { return Self.unauthorized() }
        let mentions = body.mention ?? []
        for name in names {
            if let refusal = notifier.refusal(mentions: mentions, to: name) {
                return Self.error("target \(name): \(refusal)", status: .badRequest)
            }
        }
        let results = await withTaskGroup(of: NotifyResult.self, returning: [NotifyResult].self) { group in
            for name in names { group.addTask { await notifier.send(body.markdown, mentions: mentions, to: name) } }
            var results: [NotifyResult] = []
            for await result in group { results.append(result) }
            return names.compactMap { name in results.first { $0.target == name } }
        }
        let status: HTTPResponse.Status = results.allSatisfy(\.ok) ? .ok : .badGateway
        let json = named != nil ? try EventJSON.encode(results[0]) : try EventJSON.encode(FanOut(results: results))
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(data: json)))
    }

    static func unauthorized() -> Response {
        error("missing or wrong bearer token: send Authorization: Bearer <the target's token>", status: .unauthorized)
    }

    static func bearer(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst("bearer ".count)).trimmingWhitespace()
    }

    static func error(_ message: String, status: HTTPResponse.Status) -> Response {
        let json = (try? EventJSON.encode(["error": message])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(data: json)))
    }
}

/// The notifier `/notify` uses, replaced whole by a reload.
final class LiveNotifier: Sendable {
    private let state: Mutex<Notifier>

    init(_ notifier: Notifier) {
        state = Mutex(notifier)
    }

    var current: Notifier { state.withLock { $0 } }

    func swap(_ notifier: Notifier) {
        state.withLock { $0 = notifier }
    }
}
