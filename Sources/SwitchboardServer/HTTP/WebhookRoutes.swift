import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// The HTTP surface: `GET|POST /webhooks/<bot-id>`, `POST /notify…` (``NotifyRoutes``), `/healthz`
/// and `/readyz`. It only converts
/// between Hummingbird and the framework-free webhook types; the adapters and the engine do the
/// work.
struct WebhookRoutes: Sendable {
    let adapters: [String: any ChatAdapter]
    let engine: Engine
    /// The store, for polls answered from reply state.
    let replyState: any ReplyStateReading
    let maxBodyBytes: Int
    let logger: Logger
    let clock: @Sendable () -> Date
    /// `POST /notify…`, when targets are configured.
    let notify: NotifyRoutes?

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/healthz") { _, _ in Self.text("ok\n", status: .ok) }
        router.get("/readyz") { _, _ in
            engine.isRunning ? Self.text("ready\n", status: .ok) : Self.text("not ready\n", status: .serviceUnavailable)
        }
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/webhooks/:bot", method: method) { request, context in
                try await webhook(request, botID: context.parameters.get("bot") ?? "")
            }
        }
        notify?.register(on: router)
        return router
    }

    private func webhook(_ request: Request, botID: String) async throws -> Response {
        guard let adapter = adapters[botID] else {
            return Self.text("unknown bot; webhook URLs are /webhooks/<bot-id> for the bots in the configuration\n", status: .notFound)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            return tooLarge()
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return tooLarge()
        }
        let webhook = WebhookRequest(
            method: request.method, path: request.uri.path, rawQuery: request.uri.query,
            headers: request.headers, body: Data(buffer: body)
        )
        var logger = self.logger
        logger[metadataKey: "bot"] = "\(botID)"
        let context = WebhookContext(now: clock(), logger: logger, replyState: replyState, willAnswer: { [engine] in engine.willAnswer($0) })
        let result = await adapter.handle(webhook, context: context)
        if !result.events.isEmpty {
            do {
                let accepted = try await engine.accept(result.events)
                logger.debug("webhook accepted", metadata: ["new": "\(accepted.accepted.count)", "duplicates": "\(accepted.duplicates.count)"])
            } catch {
                // The outage itself is logged once, by the engine's store health.
                logger.debug("could not store accepted events; asking the platform to redeliver", metadata: ["error": "\(error)"])
                return Self.text("could not store the event; please redeliver\n", status: .serviceUnavailable)
            }
        }
        return Response(
            status: result.response.status, headers: result.response.headers,
            body: ResponseBody(byteBuffer: ByteBuffer(data: result.response.body))
        )
    }

    private func tooLarge() -> Response {
        Self.text("request body larger than \(maxBodyBytes) bytes\n", status: .contentTooLarge)
    }

    private static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
