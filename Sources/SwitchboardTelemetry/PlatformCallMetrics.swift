/// Counts one call to a platform API (``MetricName/platformCalls``) and, when it failed, its error
/// code (``MetricName/platformErrors``). The adapter says what the code is: one from its known
/// list, `http_<status>`, `network`, `invalid`, `rate_limited` — or `other`, so that an unknown
/// code never becomes a new series.
public enum PlatformCallMetrics {
    public static func record(bot: String, platform: String, api: String, errorCode: String?) {
        let labels = MetricLabels.bot(bot, platform: platform)
        Meter.increment(MetricName.platformCalls, labels.with("api", api).with("result", errorCode == nil ? "ok" : "error"))
        if let errorCode { Meter.increment(MetricName.platformErrors, labels.with("code", errorCode)) }
    }

    /// `code` as a label when the adapter knows it, else `other`.
    public static func label(forCode code: Int, known: Set<Int>) -> String {
        known.contains(code) ? String(code) : "other"
    }
}
