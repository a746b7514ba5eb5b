import Synchronization
import SwitchboardTelemetry
import Tracing

/// One question to a backend, timed: the `switchboard.backend` span (a child of the job's) and
/// the time to first text and to the end of the answer. Ended once — by the answer's end, by its
/// error, or, when the delivery stopped reading the stream, when the last reference goes.
final class BackendCall: Sendable {
    /// Nil when spans are not recorded (``Traces``).
    let span: (any Span)?
    private let labels: MetricLabels
    private let started = ContinuousClock.now
    private let state = Mutex((sawText: false, ended: false))

    init(backend: String) {
        labels = .backend(backend)
        span = Traces.enabled ? startSpan(SpanName.backend, ofKind: .client) : nil
        span?.attributes[SpanAttributeKey.backend] = backend
    }

    func firstText() {
        let first = state.withLock { state in
            defer { state.sawText = true }
            return !state.sawText
        }
        if first { Meter.record(MetricName.backendFirstTokenSeconds, labels, started.duration(to: .now)) }
    }

    func end(error: (any Error)?) {
        let first = state.withLock { state in
            defer { state.ended = true }
            return !state.ended
        }
        guard first else { return }
        if let error {
            span?.recordError(error)
            span?.setStatus(SpanStatus(code: .error))
        } else {
            let elapsed = started.duration(to: .now)
            Meter.record(MetricName.backendAnswerSeconds, labels, elapsed)
            RecentActivity.shared.answered(after: elapsed)
        }
        span?.end()
    }

    deinit {
        if !state.withLock({ $0.ended }) { span?.end() }
    }
}
