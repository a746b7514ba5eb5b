public import Logging
import Synchronization

/// Collects what a component logs, for tests that check a log line was written — and that no
/// secret was.
///
/// ```swift
/// let logs = LogCapture()
/// let backend = try factory.makeBackend(…, environment: FactoryEnvironment(transport: t, logger: logs.logger))
/// #expect(logs.messages.contains { $0.contains("rejected the API key") })
/// ```
public final class LogCapture: Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        /// The metadata, rendered.
        public var metadata: [String: String]

        /// Message and metadata as one line.
        public var line: String {
            ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// A logger that writes here, at `level` and above.
    public func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    public var all: [Entry] { entries.withLock { $0 } }
    public var messages: [String] { all.map(\.message) }
    /// Everything logged, as one text (to search for a secret in).
    public var text: String { all.map(\.line).joined(separator: "\n") }

    fileprivate func append(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            capture.append(Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
