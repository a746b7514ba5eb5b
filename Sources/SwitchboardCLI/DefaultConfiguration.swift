import Foundation

/// What `serve` runs with when there is no configuration file: state in
/// `.switchboard/state.sqlite`, the echo backend, the default routes (direct chats and
/// @-mentions) and one generic bot, `local`, whose secret is
/// `$SWITCHBOARD_LOCAL_SECRET` or, when that is unset, a random one kept in
/// `.switchboard/local-secret`.
enum DefaultConfiguration {
    static let conventionalFile = "switchboard.yaml"
    static let secretVariable = "SWITCHBOARD_LOCAL_SECRET"
    static let secretFile = ".switchboard/local-secret"

    static let yaml = """
        server: {host: 0.0.0.0, port: 8080}
        state: {sqlite: .switchboard/state.sqlite}
        backends:
          echo: {type: echo}
        bots:
          local: {platform: generic, secret: "${\(secretVariable)}"}
        """

    /// The local bot's secret: from the environment, else from the secret file, else a new random
    /// one written there (readable by the owner only).
    static func localSecret(environment: [String: String]) throws -> String {
        if let secret = environment[secretVariable], !secret.isEmpty { return secret }
        if let data = FileManager.default.contents(atPath: secretFile),
            let secret = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty
        {
            return secret
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try FileManager.default.createDirectory(atPath: ".switchboard", withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: secretFile, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return secret
    }
}
