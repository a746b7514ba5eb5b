public import Tracing

/// A span's context as text a job can keep in the store (the W3C `traceparent`, and `tracestate`
/// when there is one), written and read through whatever instrument the process bootstrapped. With
/// no tracer (the default), there is nothing to keep and nothing is written.
public enum TraceContext {
    /// The current task's trace context as header lines (`name: value`, one per line), or nil.
    public static func current() -> String? {
        guard Traces.enabled, let context = ServiceContext.current else { return nil }
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HeaderInjector())
        guard !headers.isEmpty else { return nil }
        return headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
    }

    /// The context kept by ``current()``, ready to be a parent.
    public static func restore(_ text: String?) -> ServiceContext? {
        guard Traces.enabled, let text, !text.isEmpty else { return nil }
        var headers: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingSpaces
        }
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(headers, into: &context, using: HeaderExtractor())
        return context
    }

    private struct HeaderInjector: Injector {
        func inject(_ value: String, forKey key: String, into headers: inout [String: String]) {
            headers[key.lowercased()] = value
        }
    }

    private struct HeaderExtractor: Extractor {
        func extract(key: String, from headers: [String: String]) -> String? {
            headers[key.lowercased()]
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
