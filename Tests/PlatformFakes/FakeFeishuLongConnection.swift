package import Foundation
package import HTTPTypes
import Hummingbird
import HummingbirdCore
package import HummingbirdWebSocket
import NIOCore
package import SwitchboardCore
import SwitchboardServer
package import SwitchboardTesting
package import Synchronization

/// Feishu's long-connection side on loopback (platforms-2.md §1.10): `POST /callback/ws/endpoint`
/// (checks AppID/AppSecret, hands out one-time URLs with `service_id` and a ticket), the socket
/// (binary protobuf frames; answers pings with pongs, optionally carrying a ClientConfig), and
/// refusals of the endpoint or the upgrade on demand. Every other request is passed to the fake
/// Open API, so the bot's one `host` serves both, as Feishu's does. Frames are encoded and decoded
/// here by hand (proto2 wire format), independently of the generated code under test.
///
/// As strict as Feishu's: a ticket opens one socket and is spent by the first request that names
/// it, upgraded or not (a second request gets a plain 403 without handshake headers); a refused
/// upgrade is answered on the upgrade request itself — with the `handshake-*` headers, or, for a
/// proxy in the way, without them; an endpoint answer can be made unparsable. Every answer and
/// push comes after the network's latency.
package final class FakeFeishuLongConnection: Sendable {
    package static let service = 33_554_678

    package struct Frame: Sendable, Equatable {
        package var seqID: UInt64
        package var logID: UInt64
        package var service: Int
        package var method: Int
        package var headers: [(String, String)]
        package var payload: Data?

        package static func == (lhs: Frame, rhs: Frame) -> Bool {
            lhs.seqID == rhs.seqID && lhs.logID == rhs.logID && lhs.service == rhs.service && lhs.method == rhs.method
                && lhs.headers.map { "\($0.0)=\($0.1)" } == rhs.headers.map { "\($0.0)=\($0.1)" } && lhs.payload == rhs.payload
        }

        package func header(_ key: String) -> String? { headers.first { $0.0 == key }?.1 }
    }

    package enum Refusal: Sendable, CustomStringConvertible {
        /// The endpoint answers this code (a client error unless 1 or 1000040343).
        case endpoint(code: Int)
        /// The endpoint answers 200 with a body that is not its JSON (a gateway's error page).
        case endpointNotJSON
        /// The upgrade is refused with these handshake headers.
        case handshake(status: Int, authCode: Int?)
        /// The upgrade is refused with this HTTP status and no handshake headers: a proxy or load
        /// balancer in the way, not Feishu.
        case proxy(status: Int)

        package var description: String {
            switch self {
            case .endpoint(let code): "endpoint code \(code)"
            case .endpointNotJSON: "endpoint answer not JSON"
            case .handshake(let status, let authCode): "handshake-status \(status)\(authCode.map { " autherrcode \($0)" } ?? "")"
            case .proxy(let status): "a proxy's \(status)"
            }
        }
    }

    package struct State {
        package var port = 0
        /// The plain HTTP listener that answers refused upgrades.
        package var refusingPort = 0
        package var tickets: Set<String> = []
        /// Requests that named a spent or unknown ticket.
        package var spentTickets: [String] = []
        package var endpointCalls = 0
        /// Each endpoint request's headers and body, and each socket's request path (with query).
        package var endpointRequests: [(headers: HTTPFields, body: JSONValue)] = []
        package var upgradePaths: [String] = []
        package var handedOut: [String] = []
        package var received: [(connection: Int, frame: Frame, at: ContinuousClock.Instant)] = []
        package var opened: [ContinuousClock.Instant] = []
        package var refusal: Refusal?
        package var clientConfig = #"{"ReconnectCount":-1,"ReconnectInterval":1,"ReconnectNonce":0,"PingInterval":120}"#
        package var pongConfig: String?
    }

    package let state = Mutex(State())
    package let sockets = OpenSockets<WebSocketOutboundWriter>()
    /// Each open socket's TCP channel, to cut it as a lost network does.
    let channels = Mutex<[Int: any Channel]>([:])
    package let api: FakeFeishuOpenAPI
    private let transport = AsyncHTTPClientTransport()
    package let weather: NetworkWeather

    package init(api: FakeFeishuOpenAPI, weather: NetworkWeather = .standard) {
        self.api = api
        self.weather = weather
    }

    package var url: String { "http://127.0.0.1:\(state.withLock { $0.port })" }
    package var endpointCalls: Int { state.withLock { $0.endpointCalls } }
    package var openSockets: Int { sockets.count }
    package var connections: Int { sockets.connections }
    package var mostOpenAtOnce: Int { sockets.mostOpenAtOnce }
    package var received: [Frame] { state.withLock { $0.received.map(\.frame) } }
    package var pings: [Frame] { received.filter { $0.method == 0 && $0.header("type") == "ping" } }
    package var responses: [Frame] { received.filter { $0.method == 1 } }
    package func refuse(_ refusal: Refusal?) { state.withLock { $0.refusal = refusal } }
    /// Requests that came with a ticket already spent (the SDKs never ask twice).
    package var spentTickets: [String] { state.withLock { $0.spentTickets } }
    package func answerPongs(with config: String?) { state.withLock { $0.pongConfig = config } }

    package static func withRunning<T: Sendable>(
        api: FakeFeishuOpenAPI, weather: NetworkWeather = .standard, _ body: (FakeFeishuLongConnection) async throws -> T
    ) async throws -> T {
        let fake = FakeFeishuLongConnection(api: api, weather: weather)
        let router = Router()
        router.add(middleware: WeatherMiddleware(weather))
        router.post("/callback/ws/endpoint") { request, _ -> Response in
            let json = (try? JSONParser.parse(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
            let (refusal, port, refusingPort, config, ticket) = fake.state.withLock { state in
                state.endpointCalls += 1
                state.endpointRequests.append((request.headers, json))
                let ticket = "t\(state.endpointCalls)"
                state.tickets.insert(ticket)
                return (state.refusal, state.port, state.refusingPort, state.clientConfig, ticket)
            }
            guard json["AppID"] == .string(FakeFeishuOpenAPI.appID), json["AppSecret"] == .string(FakeFeishuOpenAPI.appSecret) else {
                return fake.json(#"{"code":10003,"msg":"invalid app_id or app_secret"}"#)
            }
            switch refusal {
            case .endpoint(let code)?: return fake.json(#"{"code":\#(code),"msg":"refused by the test"}"#)
            case .endpointNotJSON?:
                return Response(status: .ok, headers: [.contentType: "text/html"], body: ResponseBody(byteBuffer: ByteBuffer(string: "<html>502 Bad Gateway</html>")))
            case .handshake?, .proxy?:
                // The socket URL points at the listener that refuses upgrades.
                let url = "ws://127.0.0.1:\(refusingPort)/ws/v2?fpid=493&device_id=d1&access_key=secret-key&service_id=\(service)&ticket=\(ticket)"
                return fake.json(#"{"code":0,"msg":"ok","data":{"URL":"\#(url)","ClientConfig":\#(config)}}"#)
            case nil:
                let url = "ws://127.0.0.1:\(port)/ws/v2?fpid=493&device_id=d1&access_key=secret-key&service_id=\(service)&ticket=\(ticket)"
                fake.state.withLock { $0.handedOut.append(url) }
                return fake.json(#"{"code":0,"msg":"ok","data":{"URL":"\#(url)","ClientConfig":\#(config)}}"#)
            }
        }
        // Everything else is the Open API's.
        for method in [HTTPRequest.Method.get, .post, .patch, .put] {
            router.on("**", method: method) { request, _ -> Response in
                var request = request
                let body = Data(try await request.collectBody(upTo: 16 << 20).readableBytesView)
                let url = api.url + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                let answer = try await fake.transport.execute(OutboundRequest(method: method, url: url, headers: request.headers, body: body))
                let bytes = try await answer.body.collect(upTo: 16 << 20)
                return Response(status: answer.status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
        let server = HTTPServerBuilder.http1WebSocketUpgrade { request, channel, _ in
            guard let path = request.path, path.hasPrefix("/ws/v2?") else { return .dontUpgrade }
            fake.state.withLock { $0.upgradePaths.append(path) }
            guard fake.spend(ticketIn: path) else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in
                let id = fake.sockets.opened(outbound)
                fake.channels.withLock { $0[id] = channel }
                fake.state.withLock { $0.opened.append(.now) }
                defer {
                    fake.sockets.closed(id)
                    fake.channels.withLock { _ = $0.removeValue(forKey: id) }
                }
                try await withThrowingTaskGroup(of: Void.self) { pongs in
                    for try await message in inbound.messages(maxSize: 16 << 20) {
                        guard case .binary(let buffer) = message, let frame = Self.decode(Data(buffer.readableBytesView)) else { continue }
                        fake.state.withLock { $0.received.append((id, frame, .now)) }
                        if frame.method == 0, frame.header("type") == "ping" {
                            let config = fake.state.withLock { $0.pongConfig }
                            let pong = Frame(seqID: 0, logID: 0, service: frame.service, method: 0, headers: [("type", "pong")], payload: config.map { Data($0.utf8) })
                            pongs.addTask {
                                await fake.weather.wait()
                                try? await outbound.write(.binary(ByteBuffer(bytes: Self.encode(pong))))
                            }
                        }
                    }
                    pongs.cancelAll()
                }
            }
        }
        // A plain HTTP listener: a WebSocket upgrade request is an ordinary GET to it, answered with
        // the refusal — what Feishu's gateway (or a proxy) sends back instead of 101.
        let refusing = Router()
        refusing.add(middleware: WeatherMiddleware(weather))
        refusing.get("/ws/v2") { request, _ -> Response in
            guard fake.spend(ticketIn: request.uri.description) else { return Response(status: .forbidden) }
            switch fake.state.withLock({ $0.refusal }) {
            case .handshake(let status, let authCode)?:
                var headers: HTTPFields = [HTTPField.Name("handshake-status")!: String(status), HTTPField.Name("handshake-msg")!: "refused by the test"]
                if let authCode { headers[HTTPField.Name("handshake-autherrcode")!] = String(authCode) }
                return Response(status: HTTPResponse.Status(code: status), headers: headers)
            case .proxy(let status)?:
                return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "text/html"], body: ResponseBody(byteBuffer: ByteBuffer(string: "<html>\(status)</html>")))
            default:
                return Response(status: .badRequest)
            }
        }
        return try await LoopbackHTTP.run(router: refusing, server: .http1()) { refusingPort in
            try await LoopbackHTTP.run(router: router, server: server) { port in
                fake.state.withLock { ($0.port, $0.refusingPort) = (port, refusingPort) }
                return try await body(fake)
            }
        }
    }

    /// Spends the ticket a request names: true the first time, false for a spent or unknown one.
    private func spend(ticketIn path: String) -> Bool {
        let ticket = WebhookRequest(method: .get, url: path).query("ticket")
        return state.withLock { state in
            guard let ticket, state.tickets.remove(ticket) != nil else {
                state.spentTickets.append(ticket ?? "(none)")
                return false
            }
            return true
        }
    }

    /// Sends a frame down the newest open socket.
    package func push(_ frame: Frame) async throws {
        await weather.wait()
        guard let socket = sockets.newest else { throw FixtureError("no open long connection to push to") }
        try await socket.write(.binary(ByteBuffer(bytes: Self.encode(frame))))
    }

    /// Sends a frame down every open socket: the event reaches each client, as a redelivery that
    /// lands on another replica does.
    package func pushToEvery(_ frame: Frame) async throws {
        for socket in sockets.all { try await socket.write(.binary(ByteBuffer(bytes: Self.encode(frame)))) }
    }

    /// Cuts the newest socket's TCP connection without a WebSocket close frame: a network lost
    /// under a healthy session (an idle timeout in a NAT, a restarted gateway).
    package func cutNewest() async throws {
        guard let channel = channels.withLock({ $0.max { $0.key < $1.key }?.value }) else { return }
        try await channel.close().get()
    }

    /// Closes the newest socket from the server's side.
    package func dropNewest() async throws {
        guard let socket = sockets.newest else { return }
        try await socket.close(.goingAway, reason: "gone")
    }

    package func waitFor(_ description: String, timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
        try await waitUntil(description, timeout: timeout, condition)
    }

    private func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Frames, by hand

    /// An event frame as Feishu pushes it: the six headers the SDKs require.
    package static func event(seqID: UInt64, messageID: String, payload: Data, seq: Int = 0, sum: Int = 1) -> Frame {
        Frame(
            seqID: seqID, logID: seqID + 100, service: service, method: 1,
            headers: [("type", "event"), ("message_id", messageID), ("sum", String(sum)), ("seq", String(seq)), ("trace_id", "tr-\(seqID)"), ("timestamp", "1718000000123")],
            payload: payload
        )
    }

    /// A direct message, as the socket carries it: the webhook's plaintext schema 2.0 JSON.
    package static func message(eventID: String, messageID: String, text: String) -> Data {
        let content = String(decoding: JSONWriter.data(["text": .string(text)]), as: UTF8.self)
        let event: JSONValue = [
            "schema": "2.0",
            "header": [
                "event_id": .string(eventID), "event_type": "im.message.receive_v1", "create_time": "1718000000123", "token": "",
                "app_id": .string(FakeFeishuOpenAPI.appID), "tenant_key": "2ca1d211f64f6438",
            ],
            "event": [
                "sender": ["sender_id": ["open_id": "ou_84aad35d084aa403a838cf73ee18467"], "sender_type": "user"],
                "message": [
                    "message_id": .string(messageID), "create_time": "1718000000000", "chat_id": "oc_p2p00000000000000000000000000001",
                    "chat_type": "p2p", "message_type": "text", "content": .string(content),
                ],
            ],
        ]
        return JSONWriter.data(event)
    }

    package static func encode(_ frame: Frame) -> [UInt8] {
        var out: [UInt8] = []
        func varint(_ value: UInt64) {
            var value = value
            repeat {
                let byte = UInt8(value & 0x7F)
                value >>= 7
                out.append(value == 0 ? byte : byte | 0x80)
            } while value != 0
        }
        func bytes(_ number: UInt64, _ data: [UInt8]) {
            varint(number << 3 | 2)
            varint(UInt64(data.count))
            out += data
        }
        varint(1 << 3); varint(frame.seqID)
        varint(2 << 3); varint(frame.logID)
        varint(3 << 3); varint(UInt64(frame.service))
        varint(4 << 3); varint(UInt64(frame.method))
        for (key, value) in frame.headers {
            var header: [UInt8] = []
            swap(&out, &header)
            bytes(1, Array(key.utf8))
            bytes(2, Array(value.utf8))
            swap(&out, &header)
            bytes(5, header)
        }
        if let payload = frame.payload { bytes(8, Array(payload)) }
        return out
    }

    package static func decode(_ data: Data) -> Frame? {
        let bytes = Array(data)
        var index = 0
        func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
            return nil
        }
        func fields(_ end: Int, _ visit: (UInt64, UInt64?, ArraySlice<UInt8>?) -> Void) -> Bool {
            while index < end {
                guard let key = varint() else { return false }
                switch key & 7 {
                case 0:
                    guard let value = varint() else { return false }
                    visit(key >> 3, value, nil)
                case 2:
                    guard let length = varint(), index + Int(length) <= end else { return false }
                    visit(key >> 3, nil, bytes[index..<(index + Int(length))])
                    index += Int(length)
                default:
                    return false
                }
            }
            return true
        }
        var frame = Frame(seqID: 0, logID: 0, service: 0, method: 0, headers: [], payload: nil)
        let ok = fields(bytes.count) { number, value, slice in
            switch (number, value, slice) {
            case (1, let value?, _): frame.seqID = value
            case (2, let value?, _): frame.logID = value
            case (3, let value?, _): frame.service = Int(value)
            case (4, let value?, _): frame.method = Int(value)
            case (5, _, let slice?):
                guard let header = decode(header: Array(slice)) else { return }
                frame.headers.append(header)
            case (8, _, let slice?): frame.payload = Data(slice)
            default: break
            }
        }
        return ok ? frame : nil
    }

    private static func decode(header bytes: [UInt8]) -> (String, String)? {
        // Two length-delimited strings, fields 1 and 2, each under 128 bytes in these tests.
        guard bytes.count >= 4, bytes[0] == 0x0A else { return nil }
        let keyLength = Int(bytes[1])
        guard 2 + keyLength + 2 <= bytes.count, bytes[2 + keyLength] == 0x12 else { return nil }
        let valueLength = Int(bytes[3 + keyLength])
        guard 4 + keyLength + valueLength <= bytes.count else { return nil }
        return (String(decoding: bytes[2..<(2 + keyLength)], as: UTF8.self), String(decoding: bytes[(4 + keyLength)..<(4 + keyLength + valueLength)], as: UTF8.self))
    }
}
