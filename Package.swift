// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .library(name: "SwitchboardCLI", targets: ["SwitchboardCLI"]),
        .library(name: "SwitchboardCore", targets: ["SwitchboardCore"]),
        .library(name: "SwitchboardServer", targets: ["SwitchboardServer"]),
        .library(name: "SwitchboardSQLite", targets: ["SwitchboardSQLite"]),
        .library(name: "SwitchboardPostgres", targets: ["SwitchboardPostgres"]),
        .library(name: "SwitchboardDify", targets: ["SwitchboardDify"]),
        .library(name: "SwitchboardOpenAI", targets: ["SwitchboardOpenAI"]),
        .library(name: "SwitchboardWeCom", targets: ["SwitchboardWeCom"]),
        .library(name: "SwitchboardFeishu", targets: ["SwitchboardFeishu"]),
        .library(name: "SwitchboardDingTalk", targets: ["SwitchboardDingTalk"]),
        .library(name: "SwitchboardTesting", targets: ["SwitchboardTesting"]),
        .library(name: "SwitchboardFixtures", targets: ["SwitchboardFixtures"]),
        .library(name: "SwitchboardTelemetry", targets: ["SwitchboardTelemetry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The Feishu long connection's frames (generated code in Adapters/Feishu/Sources/pbbp2.pb.swift).
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // The Feishu socket's own dial (a refused upgrade's headers): hummingbird-websocket's client core.
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // OTLP/HTTP only: the gRPC exporter would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "SwitchboardTelemetry",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardCore",
            dependencies: [
                "SwitchboardTelemetry",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardServer",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardTelemetry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                // The admin console's pages.
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardSQLite",
            dependencies: [
                "SwitchboardCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardPostgres",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardDify",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardTelemetry",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardOpenAI",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardTelemetry",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardWeCom",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardTelemetry",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                // The AI bot's long connection.
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Adapters/WeCom/Sources",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardDingTalk",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardTelemetry",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Stream mode's WebSocket client (TLS through NIOSSL).
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Adapters/DingTalk/Sources",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardFeishu",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardTelemetry",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The long connection: a WebSocket of protobuf frames, dialled so that a refused
                // upgrade's handshake headers can be read (FeishuSocketDial).
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Adapters/Feishu/Sources",
            swiftSettings: swiftSettings
        ),
        .target(
            // Fixture cases: loading, running (the adapter rules), and making them from recorded
            // traffic. No fakes: the shipped binary links it for `switchboard fixture`.
            name: "SwitchboardFixtures",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardTesting",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardFixtures",
                // RunningSwitchboard: the real server, for end-to-end tests of adapters.
                "SwitchboardServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardCLI",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardServer",
                "SwitchboardSQLite",
                "SwitchboardPostgres",
                "SwitchboardDify",
                "SwitchboardOpenAI",
                "SwitchboardWeCom",
                "SwitchboardFeishu",
                "SwitchboardDingTalk",
                "SwitchboardTelemetry",
                // `fixture make` and `fixture check`: the fixture loader, runner and maker.
                "SwitchboardFixtures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The demo's sink: a loopback server standing in for the platforms' APIs and their
                // long-connection servers.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Exporters are bootstrapped here only: Prometheus for /metrics, OTLP for traces.
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The shipped binary: the CLI with the built-in plugins. It links no test kit.
        .executableTarget(
            name: "switchboard",
            dependencies: ["SwitchboardCLI"],
            swiftSettings: swiftSettings
        ),
        // The all-hands burst (Benchmarks/load/run): a driver and loopback fakes against the
        // release binary. Never linked into a product; built with the rest so it cannot rot.
        .executableTarget(
            name: "switchboard-load",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardServer",
                "SwitchboardTesting",
                "SwitchboardWeCom",
                "SwitchboardFeishu",
                "SwitchboardDingTalk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/load/Sources",
            swiftSettings: swiftSettings
        ),
        // Loopback stand-ins for the platforms' long connections and Feishu's Open API, shared by
        // the adapter tests and the binary's tests (never linked into a product).
        .target(
            name: "SwitchboardPlatformFakes",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardServer",
                "SwitchboardTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/PlatformFakes",
            swiftSettings: swiftSettings
        ),
        // A schema of a test's own, always dropped: the PostgreSQL tests' one fixture.
        .target(
            name: "SwitchboardPostgresSchemas",
            dependencies: [
                "SwitchboardPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/PostgresSchemas",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardCoreTests",
            dependencies: [
                "SwitchboardCore",
                // An independent HMAC for the generic adapter's signature.
                .product(name: "Crypto", package: "swift-crypto"),
                // For a real HTTP client in engine tests.
                "SwitchboardServer",
                "SwitchboardTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardSQLiteTests",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardSQLite",
                "SwitchboardTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardPostgresTests",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardPostgres",
                "SwitchboardPostgresSchemas",
                "SwitchboardTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardDifyTests",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardDify",
                // For the real HTTP client talking to the fake Dify.
                "SwitchboardServer",
                "SwitchboardTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardOpenAITests",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardOpenAI",
                // The real HTTP client talking to the fake API.
                "SwitchboardServer",
                "SwitchboardTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardDingTalkTests",
            dependencies: [
                // The official SDKs' parity runner.
                "SwitchboardPlatformFakes",
                "SwitchboardCore",
                "SwitchboardDingTalk",
                // Dify receiving what users send.
                "SwitchboardDify",
                "SwitchboardServer",
                "SwitchboardTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardFeishuTests",
            dependencies: [
                "SwitchboardPlatformFakes",
                "SwitchboardCore",
                "SwitchboardFeishu",
                // For the real server, the Dify backend and the HTTP client in end-to-end tests.
                "SwitchboardServer",
                "SwitchboardDify",
                "SwitchboardTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                // The fake long connection: a WebSocket server of protobuf frames.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardWeComTests",
            dependencies: [
                "SwitchboardPlatformFakes",
                "SwitchboardCore",
                "SwitchboardWeCom",
                // For the real server and HTTP client in end-to-end tests, and Dify receiving media.
                "SwitchboardServer",
                "SwitchboardSQLite",
                "SwitchboardDify",
                "SwitchboardTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The fake AI-bot long connection, and a second client of it.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardServerTests",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardDify",
                "SwitchboardServer",
                "SwitchboardSQLite",
                "SwitchboardTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardFuzzTests",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardDify",
                "SwitchboardDingTalk",
                "SwitchboardFeishu",
                "SwitchboardTesting",
                "SwitchboardWeCom",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardTestingTests",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardFixtures",
                // For a real HTTP client talking to the loopback server.
                "SwitchboardServer",
                "SwitchboardTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "switchboardTests",
            dependencies: [
                "SwitchboardPlatformFakes",
                // The binary the CLI tests run, and the library they call directly.
                "switchboard",
                "SwitchboardCLI",
                "SwitchboardCore",
                "SwitchboardPostgres",
                "SwitchboardPostgresSchemas",
                "SwitchboardServer",
                "SwitchboardTesting",
                // The chaos run plays every platform: their crypto, and a Stream gateway.
                "SwitchboardDingTalk",
                "SwitchboardFeishu",
                "SwitchboardWeCom",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // The deploy tests read the Helm chart.
                .product(name: "Yams", package: "Yams"),
                // The admin console tests see redirects and cookies as a browser does.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The browser test drives headless Chromium over the DevTools protocol.
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// Benchmarks are opt-in: `ENABLE_SWITCHBOARD_BENCHMARKS=1 swift package benchmark` (see
// Benchmarks/README.md). Without the variable the package neither fetches nor builds them.
if Context.environment["ENABLE_SWITCHBOARD_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(
        .executableTarget(
            name: "SwitchboardBenchmarks",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardSQLite",
                "SwitchboardPostgres",
                "SwitchboardWeCom",
                "SwitchboardFeishu",
                "SwitchboardDingTalk",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SwitchboardBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}
