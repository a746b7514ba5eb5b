/// Reading platform payloads by hand: an adapter's `init(from:)` loops over `allKeys` (only the
/// keys present — one `decodeIfPresent` per declared field dominated decoding on Linux) and reads
/// each with these, where a value of an unexpected type counts as absent, so a less certain part
/// of a payload never makes the whole unreadable.
extension KeyedDecodingContainer {
    public func lenientString(_ key: Key) -> String? {
        try? decode(String.self, forKey: key)
    }

    public func lenientBool(_ key: Key) -> Bool? {
        try? decode(Bool.self, forKey: key)
    }

    public func lenientInt(_ key: Key) -> Int? {
        try? decode(Int.self, forKey: key)
    }

    public func lenient<T: Decodable>(_ key: Key, as type: T.Type = T.self) -> T? {
        try? decode(T.self, forKey: key)
    }
}
