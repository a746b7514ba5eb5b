public import Foundation
public import HTTPTypes

/// Adopted by an adapter so that recorded traffic can become a shareable fixture
/// (`switchboard fixture make`): the adapter built with a bot's production keys *opens* a
/// recorded request — verifies and decrypts it with those keys — into the payload the platform
/// meant; after anonymizing, the same kind of adapter built with the fixture keys *seals* the
/// payload the way the platform would have sent it to that bot, with the platform's real
/// algorithms. A plugin adapter adopts it the same way.
public protocol FixtureSealing: Sendable {
    /// The plaintext payload (JSON or XML) of a recorded request, verified with this bot's keys
    /// at the time it was recorded. Throws when the keys do not open it.
    func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data

    /// `payload` as the platform sends it to this bot at `now`: encrypted and signed with the
    /// bot's keys, to its webhook path, in the envelope of `recorded` (its method and other
    /// headers). The same input gives the same bytes.
    func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest

    /// Headers that carry a credential rather than a signature of the body — DingTalk's
    /// `timestamp`/`sign` (valid for an hour, for any body), a shared secret token — which a
    /// recording leaves out: it keeps only requests that passed authentication, so reopening
    /// them does not need these. Empty by default.
    var credentialHeaders: [HTTPField.Name] { get }
}

extension FixtureSealing {
    public var credentialHeaders: [HTTPField.Name] { [] }
}

extension WebhookRequest {
    /// The recorded request sent to `bot`'s webhook with `headers` and `body`. Of the recorded
    /// headers only `Content-Type` is kept: the others (`Host`, `X-Forwarded-For`, a proxy's) may
    /// say where it came from.
    public func resent(to bot: String, query: String? = nil, headers given: HTTPFields = [:], body: Data) -> WebhookRequest {
        var headers: HTTPFields = [:]
        if let type = self.headers[.contentType] { headers[.contentType] = type }
        for field in given { headers[field.name] = field.value }
        return WebhookRequest(method: method, path: "/webhooks/\(bot)", rawQuery: query, headers: headers, body: body)
    }
}

/// The same for the frames of a long connection an adapter decodes (``StreamFrameDecoding``):
/// frames carry no signature of their own (the connection is authenticated), so opening gives the
/// frame as JSON the anonymizer can read — the frame itself when it is JSON (DingTalk Stream, the
/// WeCom AI bot), a JSON view of a binary one (Feishu's protobuf) — and sealing builds the frame
/// back from it. The same input gives the same bytes.
public protocol FrameSealing: Sendable {
    func openRecordedFrame(_ frame: Data) throws -> Data
    func sealRecordedFrame(_ payload: Data) throws -> Data
}

extension FrameSealing {
    /// A JSON frame is its own view.
    public func openRecordedFrame(_ frame: Data) throws -> Data { frame }
    public func sealRecordedFrame(_ payload: Data) throws -> Data { payload }
}
