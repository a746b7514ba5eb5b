import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import SwitchboardCore
import SwitchboardServer
import SwitchboardTesting

/// Debian's `chromium`, headless, driven over the DevTools protocol: navigate, run a line of
/// script, take a screenshot — what a person does in the console, done by the browser itself.
final class HeadlessChromium: Sendable {
    static var binary: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private let process: Process
    let pageSocket: String

    init() async throws {
        guard let binary = Self.binary else { throw CLIError("chromium is not installed (apt-get install chromium)") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,900",
            "--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir=\(profile.path)", "about:blank",
        ]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        let text = TextBuffer()
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            text.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        self.process = process
        let port: Int
        do {
            port = try await waitUntilFound("the DevTools banner", timeout: .seconds(30), poll: .milliseconds(100)) {
                let output = text.text.withLock { $0 }
                guard let range = output.range(of: #"DevTools listening on ws://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) else { return nil }
                return Int(output[range].split(separator: ":").last!.dropLast())
            }
        } catch { throw CLIError("chromium did not start: \(text.text.withLock { $0 })") }
        let response = try await AsyncHTTPClientTransport().execute(OutboundRequest(method: .get, url: "http://127.0.0.1:\(port)/json/list"))
        let list = try await response.body.collect(upTo: 1 << 20)
        let targets = try JSONSerialization.jsonObject(with: list) as? [[String: Any]] ?? []
        guard let page = targets.first(where: { $0["type"] as? String == "page" })?["webSocketDebuggerUrl"] as? String else {
            throw CLIError("chromium has no page target")
        }
        pageSocket = page
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Runs `body` with a DevTools session on the page.
    func session<T: Sendable>(_ body: @escaping @Sendable (DevTools) async throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        var logger = Logger(label: "devtools")
        logger.logLevel = .warning
        var configuration = WebSocketClientConfiguration(maxFrameSize: 64 << 20)
        configuration.closeTimeout = .seconds(2)
        try await WebSocketClient.connect(url: pageSocket, configuration: configuration, logger: logger) { inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 64 << 20).makeAsyncIterator()
            let tools = DevTools(send: { text in try await outbound.write(.text(text)) }, next: {
                while let message = try await messages.next() {
                    if case .text(let text) = message { return text }
                }
                return nil
            })
            let value = try await body(tools)
            result.withLock { $0 = value }
            try await outbound.close(.normalClosure, reason: nil)
        }
        guard let value = result.withLock({ $0 }) else { throw CLIError("the DevTools session ended early") }
        return value
    }
}

/// One DevTools session: commands in order, each waiting for its own answer (events are skipped).
final class DevTools: @unchecked Sendable {
    private let sendText: @Sendable (String) async throws -> Void
    private let nextText: () async throws -> String?
    private var nextID = 0

    init(send: @escaping @Sendable (String) async throws -> Void, next: @escaping () async throws -> String?) {
        sendText = send
        nextText = next
    }

    func call(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        nextID += 1
        let id = nextID
        let data = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try await sendText(String(decoding: data, as: UTF8.self))
        while let text = try await nextText() {
            guard let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], json["id"] as? Int == id else { continue }
            if let error = json["error"] { throw CLIError("\(method): \(error)") }
            return json["result"] as? [String: Any] ?? [:]
        }
        throw CLIError("\(method): the browser closed the session")
    }

    /// The value of a JavaScript expression.
    func evaluate(_ expression: String) async throws -> Any? {
        let result = try await call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        return (result["result"] as? [String: Any])?["value"]
    }

    func navigate(_ url: String) async throws {
        _ = try await call("Page.navigate", ["url": url])
        try await waitFor("the page to load") { try await self.evaluate("document.readyState") as? String == "complete" }
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        try await waitUntil(what, timeout: timeout, poll: .milliseconds(100), condition)
    }

    func screenshot(to file: URL) async throws {
        let result = try await call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let base64 = result["data"] as? String, let png = Data(base64Encoded: base64) else { throw CLIError("no screenshot") }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: file)
    }
}
