import Foundation
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL store lives, read from `state: {postgres: URL, schema: …, max_connections: …}`.
///
/// The URL is `postgres://user:password@host:port/database?sslmode=disable|prefer|require`; its
/// `description` never shows the password.
public struct PostgresStoreConfiguration: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String?
    public var tls: TLSMode
    /// A schema of its own (created when missing), so several installations or test runs can
    /// share one database.
    public var schema: String?
    public var maxConnections: Int

    /// Parses a `postgres://` or `postgresql://` URL. The error reason never contains the URL.
    public init(url text: String, schema: String? = nil, maxConnections: Int = 10) throws(PostgresURLError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw PostgresURLError("must be a postgres://user:password@host:port/database URL")
        }
        guard let host = url.host, !host.isEmpty else { throw PostgresURLError("names no host") }
        guard let user = url.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw PostgresURLError("names no user")
        }
        self.host = host
        self.port = url.port ?? 5432
        self.username = user
        self.password = url.percentEncodedPassword?.removingPercentEncoding
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.database = path.isEmpty ? nil : path
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard let tls = TLSMode(rawValue: mode) else { throw PostgresURLError("sslmode must be disable, prefer or require") }
        self.tls = tls
        if let schema {
            guard Self.isPlainIdentifier(schema) else {
                throw PostgresURLError("schema must be lowercase letters, digits and _, starting with a letter")
            }
        }
        self.schema = schema
        self.maxConnections = maxConnections
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 63 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    public var description: String {
        "PostgreSQL \(username)@\(host):\(port)/\(database ?? username)" + (schema.map { " (schema \($0))" } ?? "")
    }

    /// For the one connection that migrates: it fails at once when the server is unreachable,
    /// where the pool would keep retrying.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS = switch tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting
        )
        if let schema {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        return configuration
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS = switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting
        )
        configuration.options.maximumConnections = maxConnections
        if let schema {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        return configuration
    }
}

public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
