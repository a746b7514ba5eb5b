public import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
public import SwitchboardCore

/// ``HTTPTransport`` over AsyncHTTPClient: what adapters and backends use in the real server.
public struct AsyncHTTPClientTransport: HTTPTransport {
    let client: HTTPClient

    /// Uses the process-wide shared client unless given one.
    public init(client: HTTPClient = .shared) {
        self.client = client
    }

    public func execute(_ request: OutboundRequest) async throws -> OutboundResponse {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        if let body = request.body {
            outbound.body = .bytes(ByteBuffer(bytes: body))
        }
        let (seconds, attoseconds) = request.timeout.components
        let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let response = try await client.execute(outbound, timeout: timeout)
        var headers = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return OutboundResponse(
            status: HTTPResponse.Status(code: Int(response.status.code)),
            headers: headers,
            body: HTTPBody(response.body.map { Array(buffer: $0) })
        )
    }
}
