/// The labels of one metric series, in order. Only bounded values belong here (see
/// ``MetricName``).
public struct MetricLabels: Hashable, Sendable {
    public private(set) var names: [String]
    public private(set) var values: [String]

    public init(_ pairs: KeyValuePairs<String, String> = [:]) {
        names = pairs.map(\.key)
        values = pairs.map(\.value)
    }

    public static func bot(_ bot: String, platform: String) -> MetricLabels {
        MetricLabels(["bot": bot, "platform": platform])
    }

    public static func backend(_ backend: String) -> MetricLabels {
        MetricLabels(["backend": backend])
    }

    /// These labels and one more.
    public func with(_ name: String, _ value: String) -> MetricLabels {
        var copy = self
        copy.names.append(name)
        copy.values.append(value)
        return copy
    }

    /// The value of the label `name`, if present.
    public func value(of name: String) -> String? {
        names.firstIndex(of: name).map { values[$0] }
    }

    var dimensions: [(String, String)] {
        Array(zip(names, values))
    }
}
