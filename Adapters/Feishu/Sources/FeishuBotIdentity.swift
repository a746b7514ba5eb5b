import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import Synchronization

/// The bot's own open_id, by which its mentions are recognised (never by display name). Set from
/// config `bot_open_id`, or read once at start by ``FeishuBotInfoService``.
final class FeishuBotIdentity: Sendable {
    private let openID: Mutex<String?>

    init(openID: String?) {
        self.openID = Mutex(openID)
    }

    var current: String? { openID.withLock { $0 } }

    func set(_ value: String) {
        openID.withLock { $0 = value }
    }
}

/// Reads `GET /open-apis/bot/v3/info` once at start (retrying with backoff until it answers),
/// then waits for shutdown. The answer's layout is not in platforms.md: `bot.open_id` is read, and
/// `data.bot.open_id` in case the API moves to the common envelope.
struct FeishuBotInfoService: Service {
    let api: FeishuAPI
    let token: AccessTokenCache
    let identity: FeishuBotIdentity
    let transport: any HTTPTransport
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await readIdentity() }
        try? await gracefulShutdown()
    }

    private func readIdentity() async {
        var delay: Duration = .seconds(1)
        while !Task.isCancelled {
            do {
                identity.set(try await fetch())
                logger.info("Feishu bot identity read", metadata: ["bot": "\(api.botID)"])
                return
            } catch is CancellationError {
                return
            } catch {
                logger.warning("cannot read the Feishu bot's open_id yet; group mentions wait for it", metadata: ["bot": "\(api.botID)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(60))
            }
        }
    }

    func fetch() async throws -> String {
        let object = try await token.withToken(transport: transport, isRejection: FeishuTenantToken.isRejection) { [api, transport] token in
            try await api.call(.get, "/open-apis/bot/v3/info", api: "bot/v3/info", token: token, body: nil, transport: transport)
        }
        guard let openID = (object["bot"]?["open_id"] ?? object["data"]?["bot"]?["open_id"])?.string, !openID.isEmpty else {
            throw FeishuAPIError(botID: api.botID, api: "bot/v3/info", kind: .notJSON)
        }
        return openID
    }
}
