public import Tracing
import Synchronization

/// Whether this process records spans. Off unless the process bootstrapped a tracer (the CLI does
/// when `telemetry.otlp_endpoint` is set): then a span here costs one atomic load, not the
/// instrumentation system's lookups and a task-local context — the webhook path is measured in
/// microseconds.
public enum Traces {
    private static let flag = Atomic<Bool>(false)

    public static var enabled: Bool { flag.load(ordering: .acquiring) }

    /// Call after `InstrumentationSystem.bootstrap(_:)`.
    public static func enable() {
        flag.store(true, ordering: .releasing)
    }

    /// `body` inside a span named `name` (a child of `context`, else of the current one) when
    /// spans are recorded, else `body(nil)`.
    public static func span<T>(
        _ name: String,
        context: ServiceContext? = nil,
        ofKind kind: SpanKind = .internal,
        isolation: isolated (any Actor)? = #isolation,
        _ body: ((any Span)?) async throws -> T
    ) async rethrows -> T {
        guard enabled else { return try await body(nil) }
        return try await withSpan(name, context: context ?? .current ?? .topLevel, ofKind: kind) { span in
            try await body(span)
        }
    }
}
