import Foundation
import Logging
public import SwitchboardCore
import HTTPTypes

/// A backend for any OpenAI-compatible Chat Completions endpoint: `POST /chat/completions` with
/// `stream: true`, the conversation's earlier turns kept by Switchboard (``OpenAIHistory``).
public struct OpenAIBackend: ChatBackend {
    let configuration: OpenAIConfiguration
    let transport: any HTTPTransport
    let logger: Logger
    /// How a retry waits (tests record the waits instead of sleeping them).
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    init(configuration: OpenAIConfiguration, transport: any HTTPTransport, logger: Logger) {
        self.configuration = configuration
        self.transport = transport
        var logger = logger
        logger[metadataKey: "backend"] = "\(configuration.name)"
        self.logger = logger
    }

    public func respond(to request: BackendRequest) -> ReplyStream {
        ReplyStream(OpenAIAnswer(backend: self, request: request))
    }

    /// `GET /models`: the key works and the model is served.
    public func checkOnline() async -> BackendCheck {
        do {
            let response = try await transport.execute(OutboundRequest(method: .get, url: configuration.baseURL + "/models", headers: headers(), timeout: .seconds(5)))
            let body = try await response.body.collect(upTo: 4 << 20)
            switch response.status.code {
            case 200..<300:
                let ids = ((try? JSONParser.parse(body))?["data"]?.array ?? []).compactMap { $0["id"]?.string }
                if ids.isEmpty || ids.contains(configuration.model) {
                    return BackendCheck(status: .reachable, detail: "the API answers and serves \(configuration.model)")
                }
                return BackendCheck(
                    status: .reachable,
                    detail: "the API answers but does not list \(configuration.model) (it lists \(ids.prefix(8).joined(separator: ", "))); check backends.\(configuration.name).model"
                )
            case 401, 403:
                return BackendCheck(status: .keyRejected, detail: OpenAIError(backend: configuration.name, kind: .keyRejected).description)
            default:
                return BackendCheck(status: .unreachable, detail: "GET /models answered HTTP \(response.status.code); check backends.\(configuration.name).base_url")
            }
        } catch {
            return BackendCheck(status: .unreachable, detail: OpenAIError(backend: configuration.name, kind: .network(String(describing: type(of: error)))).description)
        }
    }

    func headers() -> HTTPFields {
        var headers: HTTPFields = [.accept: "application/json, text/event-stream"]
        if let key = configuration.apiKey, !key.isEmpty { headers[.authorization] = "Bearer \(key)" }
        return headers
    }
}

/// `type: openai`.
public struct OpenAIBackendFactory: BackendFactory {
    public var type: String { "openai" }

    public init() {}

    public func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend {
        OpenAIBackend(configuration: try OpenAIConfiguration(name: name, config: config), transport: environment.transport, logger: environment.logger)
    }
}

extension SwitchboardPlugin {
    /// OpenAI-compatible Chat Completions backends (`type: openai`).
    public static let openAI = SwitchboardPlugin(name: "openai", backends: [OpenAIBackendFactory()])
}
