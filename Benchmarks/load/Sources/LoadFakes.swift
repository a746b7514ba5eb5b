import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchboardCore
import SwitchboardTesting

/// The far side of the server under load, on two loopback ports: a streaming Dify at a realistic
/// pace (`/v1/chat-messages`); Feishu's Open API for CardKit answers (tenant token, card entity,
/// reply, content updates, settings), DingTalk's session webhooks, and the WeCom AI bot's
/// `response_url`. Everything is counted in the ledger by the message's index; nothing is kept.
struct LoadFakes {
    let ledger: LoadLedger
    let pace: AnswerPace

    /// Dify, on a port of its own: a real deployment's Dify and platforms are different hosts,
    /// and the HTTP client keeps a pool per host (one pool holding a thousand streams beside the
    /// card updates made every update look for a connection among the streams).
    func difyRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/v1/chat-messages") { request, _ in try await difyAnswer(request) }
        unexpected(on: router)
        return router
    }

    /// Feishu's Open API, DingTalk's session webhooks and the WeCom AI bot's `response_url`.
    func platformRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/open-apis/auth/v3/tenant_access_token/internal") { _, _ in
            json(#"{"code":0,"msg":"ok","tenant_access_token":"t-load","expire":7200}"#)
        }
        router.post("/open-apis/cardkit/v1/cards") { _, _ in
            json(#"{"code":0,"msg":"success","data":{"card_id":"\#(UUID().uuidString.lowercased())"}}"#)
        }
        router.post("/open-apis/im/v1/messages/:message/reply") { request, context in
            var request = request
            let body = try await JSONParser.parse(request.collectBody(upTo: 1 << 20).readableBytesView)
            let question = context.parameters.get("message") ?? ""
            if let index = Self.index(inMessageID: question) {
                // The card message: {"type":"card","data":{"card_id":"…"}} as a JSON string.
                let content = body["content"]?.string.flatMap { try? JSONParser.parse($0) }
                if let card = content?["data"]?["card_id"]?.string { ledger.card(card, belongsTo: index) }
                ledger.update(index) { $0.answers += 1 }
            } else {
                ledger.unexpected("reply to \(question)")
            }
            return json(#"{"code":0,"msg":"success","data":{"message_id":"om_\#(UUID().uuidString.lowercased())"}}"#)
        }
        router.put("/open-apis/cardkit/v1/cards/:card/elements/:element/content") { request, context in
            _ = try await request.body.collect(upTo: 1 << 20)
            let now = ledger.now
            if let index = ledger.message(ofCard: context.parameters.get("card") ?? "") {
                ledger.update(index) { record in
                    record.updates += 1
                    if record.firstUpdate == nil { record.firstUpdate = now }
                }
            } else {
                ledger.unexpected("content of an unknown card")
            }
            return json(#"{"code":0,"msg":"success","data":{}}"#)
        }
        router.patch("/open-apis/cardkit/v1/cards/:card/settings") { request, context in
            let body = try await request.body.collect(upTo: 1 << 20)
            // Streaming closed: the answer is final.
            if String(buffer: body).contains(#"\"streaming_mode\":false"#), let index = ledger.message(ofCard: context.parameters.get("card") ?? "") {
                let now = ledger.now
                ledger.update(index) { $0.completed = $0.completed ?? now }
            }
            return json(#"{"code":0,"msg":"success","data":{}}"#)
        }
        router.post("/robot/sendBySession") { request, _ in
            _ = try await request.body.collect(upTo: 1 << 20)
            let now = ledger.now
            if let index = request.uri.queryParameters.get("session").flatMap(Int.init) {
                ledger.update(index) { record in
                    record.answers += 1
                    record.updates += 1
                    if record.firstUpdate == nil { record.firstUpdate = now }
                    record.completed = record.completed ?? now
                }
            }
            return json(#"{"errcode":0,"errmsg":"ok"}"#)
        }
        unexpected(on: router)
        return router
    }

    private func unexpected(on router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method) { request, _ in
                ledger.unexpected("\(request.method) \(request.uri.path)")
                return Response(status: .notFound)
            }
        }
    }

    /// A Dify chat answer as server-sent events: the first token after `firstToken`, then the
    /// rest at `tokensPerSecond` on a fixed schedule (no drift), then `message_end`.
    private func difyAnswer(_ request: Request) async throws -> Response {
        var request = request
        let body = try await JSONParser.parse(request.collectBody(upTo: 1 << 20).readableBytesView)
        guard let index = Self.index(inQuery: body["query"]?.string ?? "") else {
            ledger.unexpected("Dify query without a load tag")
            return Response(status: .badRequest)
        }
        ledger.update(index) { $0.difyAsks += 1 }
        let events = FakeDifyEvents(conversationID: body["conversation_id"]?.string.flatMap { $0.isEmpty ? nil : $0 })
        let tokens = pace.tokens(for: index)
        let pace = self.pace
        let ledger = self.ledger
        // `events.message(token)` in Dify's field order, written by hand: building it per token
        // (OrderedJSON through JSONEncoder) was a quarter of this process's CPU.
        let prefix = #"data: {"event":"message","task_id":"\#(events.taskID)","id":"\#(events.messageID)","message_id":"\#(events.messageID)","conversation_id":"\#(events.conversationID)","answer":"#
        let suffix = ",\"created_at\":\(events.createdAt)}\n\n"
        let interval = Duration.seconds(Double(pace.tokensPerWrite) / pace.tokensPerSecond)
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                ledger.streamOpened()
                defer { ledger.streamClosed() }
                let start = ContinuousClock.now + pace.firstToken
                try await Task.sleep(until: start)
                let first = ledger.now
                ledger.update(index) { $0.firstToken = $0.firstToken ?? first }
                var write = 0
                for offset in stride(from: 0, to: tokens.count, by: pace.tokensPerWrite) {
                    if write > 0 { try await Task.sleep(until: start + interval * write) }
                    var buffer = ByteBuffer()
                    for token in tokens[offset..<min(offset + pace.tokensPerWrite, tokens.count)] {
                        buffer.writeString(prefix)
                        buffer.writeBytes(JSONWriter.data(.string(token)))
                        buffer.writeString(suffix)
                    }
                    try await writer.write(buffer)
                    write += 1
                }
                let last = ledger.now
                ledger.update(index) { $0.lastToken = last }
                try await writer.write(ByteBuffer(string: Self.sse(events.messageEnd())))
                try await writer.finish(nil)
            }
        )
    }

    private static func sse(_ step: FakeDifyStep) -> String {
        guard case .event(let json) = step else { return "" }
        return "data: \(json)\n\n"
    }

    private func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `… #L123` ▸ 123.
    static func index(inQuery query: String) -> Int? {
        guard let range = query.range(of: "#L", options: .backwards) else { return nil }
        return Int(query[range.upperBound...].prefix(while: \.isNumber))
    }

    /// The load's Feishu message ids are `om_load_<index>`.
    static func index(inMessageID id: String) -> Int? {
        id.hasPrefix("om_load_") ? Int(id.dropFirst("om_load_".count)) : nil
    }
}
