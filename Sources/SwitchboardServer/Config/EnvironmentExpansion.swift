/// `${VAR}` expansion in configuration values: `${VAR}` must be set, `${VAR:-default}` falls back
/// to the default when VAR is unset or empty, and `$${` is a literal `${`.
struct EnvironmentExpansion {
    let environment: [String: String]

    /// Why a value could not be expanded; the message names the variable, never a value.
    struct Failure: Error {
        var reason: String
    }

    func expand(_ text: String) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let afterDollar = rest[rest.index(after: dollar)...]
            if afterDollar.hasPrefix("${") {
                output += "${"
                rest = afterDollar.dropFirst(2)
                continue
            }
            guard afterDollar.hasPrefix("{") else {
                output += "$"
                rest = afterDollar
                continue
            }
            guard let close = afterDollar.firstIndex(of: "}") else {
                throw Failure(reason: "unclosed ${ in value; write $${ for a literal ${")
            }
            let body = afterDollar[afterDollar.index(after: afterDollar.startIndex)..<close]
            output += try substitute(body)
            rest = afterDollar[afterDollar.index(after: close)...]
        }
        return output + rest
    }

    private func substitute(_ body: Substring) throws(Failure) -> String {
        let name: Substring
        let fallback: Substring?
        if let range = body.range(of: ":-") {
            name = body[..<range.lowerBound]
            fallback = body[range.upperBound...]
        } else {
            name = body
            fallback = nil
        }
        guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw Failure(reason: "${\(name)} is not a valid environment variable reference")
        }
        if let value = environment[String(name)], !value.isEmpty { return value }
        if let fallback { return String(fallback) }
        throw Failure(reason: "environment variable \(name) is not set")
    }
}
