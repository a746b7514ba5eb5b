import Foundation
import HTTPTypes
import Logging
public import SwitchboardCore

/// A Dify app as a ``ChatBackend``: chat, chatflow, agent, workflow or completion, streamed by
/// default. Built by ``DifyBackendFactory`` from `backends.<name>` with `type: dify`.
public struct DifyBackend: ChatBackend {
    let configuration: DifyConfiguration
    let client: DifyClient
    let inFlight = InFlightAnswers()
    let logger: Logger
    /// How a retry waits (tests record the waits instead of sleeping them).
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    init(configuration: DifyConfiguration, transport: any HTTPTransport, logger: Logger) {
        self.configuration = configuration
        client = DifyClient(configuration: configuration, transport: transport)
        var logger = logger
        logger[metadataKey: "backend"] = "\(configuration.name)"
        self.logger = logger
    }

    public func respond(to request: BackendRequest) -> ReplyStream {
        ReplyStream(DifyAnswer(backend: self, request: request))
    }

    /// Stops what Dify is still generating for the conversation that was reset.
    public func conversationReset(_ reset: ConversationReset) async {
        for task in inFlight.reset(reset) {
            await stop(task: task, user: reset.user)
        }
    }

    /// `GET /info`, which newer Dify answers with the app's mode; `GET /parameters` where there is
    /// no `/info`.
    public func checkOnline() async -> BackendCheck {
        do {
            let info = try await client.json(client.send(method: .get, path: "/info"))
            let name = info.name.map { "app \"\($0)\"" } ?? "the app"
            guard let mode = info.mode else {
                return BackendCheck(status: .reachable, detail: "\(name) answers; this Dify does not say the app type, so app: is not checked")
            }
            guard mode == configuration.app.difyMode else {
                let actual = DifyConfiguration.App.allCases.first { $0.difyMode == mode }.map { "app: \($0.rawValue)" } ?? "mode \(mode)"
                return BackendCheck(
                    status: .wrongAppType,
                    detail: "Dify says \(name) is \(actual), but backends.\(configuration.name).app is \(configuration.app.rawValue); fix backends.\(configuration.name).app"
                )
            }
            return BackendCheck(status: .reachable, detail: "\(name) answers and is a \(configuration.app.rawValue) app")
        } catch let error as DifyError {
            if case .rejected(404, _) = error.kind { return await checkParameters() }
            return Self.check(for: error)
        } catch {
            return BackendCheck(status: .unreachable, detail: "\(error)")
        }
    }

    private func checkParameters() async -> BackendCheck {
        do {
            _ = try await client.json(client.send(method: .get, path: "/parameters"))
            return BackendCheck(status: .reachable, detail: "the app answers (an older Dify without /info, so app: is not checked)")
        } catch let error as DifyError {
            return Self.check(for: error)
        } catch {
            return BackendCheck(status: .unreachable, detail: "\(error)")
        }
    }

    private static func check(for error: DifyError) -> BackendCheck {
        switch error.kind {
        case .keyRejected: BackendCheck(status: .keyRejected, detail: error.description)
        case .wrongApp, .appUnavailable: BackendCheck(status: .wrongAppType, detail: error.description)
        default: BackendCheck(status: .unreachable, detail: error.description)
        }
    }

    /// The stored conversation, unless `idle_reset` says it has rested too long.
    func conversationToContinue(_ request: BackendRequest) -> String? {
        guard let id = request.conversationID, configuration.app.hasConversations else { return nil }
        if let idle = configuration.idleReset, let lastUsed = request.conversationLastUsed {
            let rested = Duration.seconds(Date().timeIntervalSince(lastUsed))
            if rested > idle {
                logger.info("conversation unused for longer than idle_reset; starting a new one")
                return nil
            }
        }
        return id
    }

    /// Asks Dify to stop generating; a failure is logged, not thrown (the answer ends anyway).
    func stop(task: String, user: String) async {
        do {
            let body = try JSONEncoder().encode(["user": user])
            let response = try await client.send(method: .post, path: client.stopPath(task: task), body: body)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            logger.info("stopped the answer of a reset conversation", metadata: ["task": "\(task)"])
        } catch {
            logger.warning("could not stop the answer of a reset conversation: \(error)", metadata: ["task": "\(task)"])
        }
    }
}

/// `type: dify`.
public struct DifyBackendFactory: BackendFactory {
    public init() {}
    public var type: String { "dify" }

    public func makeBackend(name: String, config: ConfigSection, environment: FactoryEnvironment) throws -> any ChatBackend {
        let configuration = try DifyConfiguration(name: name, config: config)
        if !configuration.streaming, configuration.baseURL.contains("api.dify.ai") {
            environment.logger.warning(
                "backend \(name) uses blocking mode on Dify Cloud, which cuts requests off after 100 s; remove backends.\(name).response_mode to stream"
            )
        }
        return DifyBackend(configuration: configuration, transport: environment.transport, logger: environment.logger)
    }
}
