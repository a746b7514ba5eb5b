public import Foundation

/// Generic requests are signed Event JSON (no encryption): opening checks the signature.
extension GenericAdapter: FixtureSealing {
    public func openRecorded(_ request: WebhookRequest, now: Date) throws -> Data {
        guard let timestamp = request.headers[GenericSignature.timestampHeader], let signatureText = request.headers[GenericSignature.signatureHeader],
            signature.isValid(signature: signatureText, timestampHeader: timestamp, body: request.body)
        else { throw WebhookRejection.unauthorized("the recorded request is not signed with this bot's secret") }
        return request.body
    }

    public func sealRecorded(_ payload: Data, like recorded: WebhookRequest, now: Date) throws -> WebhookRequest {
        recorded.resent(to: botID, query: recorded.rawQuery, headers: signature.headers(for: payload, now: now), body: payload)
    }
}
