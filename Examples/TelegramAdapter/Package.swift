// swift-tools-version:6.2
import PackageDescription

// A Switchboard plugin built the way a third party builds one: its own package, depending on
// Switchboard (here by path; elsewhere by its Git URL and a version).
let package = Package(
    name: "TelegramAdapter",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SwitchboardTelegram", targets: ["SwitchboardTelegram"]),
        .executable(name: "switchboard-telegram", targets: ["switchboard-telegram"]),
    ],
    dependencies: [
        .package(name: "Switchboard", path: "../.."),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The adapter: needs only the core.
        .target(
            name: "SwitchboardTelegram",
            dependencies: [
                .product(name: "SwitchboardCore", package: "Switchboard"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The whole Switchboard CLI, with Telegram in it.
        .executableTarget(
            name: "switchboard-telegram",
            dependencies: [
                "SwitchboardTelegram",
                .product(name: "SwitchboardCLI", package: "Switchboard"),
            ]
        ),
        .testTarget(
            name: "SwitchboardTelegramTests",
            dependencies: [
                "SwitchboardTelegram",
                .product(name: "SwitchboardCore", package: "Switchboard"),
                .product(name: "SwitchboardTesting", package: "Switchboard"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
