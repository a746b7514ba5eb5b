/// Comparison of secrets (signatures, verification tokens) whose time does not depend on where the
/// first difference is. Public for adapters.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. The length of the expected value is not secret.
    public static func equals(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
        let left = Array(a)
        let right = Array(b)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    public static func equals(_ a: String, _ b: String) -> Bool {
        equals(a.utf8, b.utf8)
    }
}
