/// Server-sent events decoded as bytes arrive (the WHATWG rules): lines end in `\r\n`, `\n` or
/// `\r`; a blank line ends an event; lines starting with `:` are comments; `data:` lines join with
/// newlines; `id` and `retry` are ignored. It buffers bytes, not text, so a multi-byte character
/// split between two reads is whole by the time its line ends.
public struct SSEDecoder: Sendable {
    public struct Event: Sendable, Equatable {
        /// The `event:` field, if any (Dify puts the event name in the JSON instead).
        public var name: String?
        public var data: String

        public init(name: String? = nil, data: String) {
            self.name = name
            self.data = data
        }
    }

    private var line: [UInt8] = []
    private var previousWasCarriageReturn = false
    private var name: String?
    private var data: [String] = []

    public init() {}

    /// The events completed by these bytes.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            switch byte {
            case 0x0A where previousWasCarriageReturn:
                previousWasCarriageReturn = false
            case 0x0A, 0x0D:
                previousWasCarriageReturn = byte == 0x0D
                if let event = endLine() { events.append(event) }
            default:
                previousWasCarriageReturn = false
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            // A blank line dispatches the event; one without data (Dify's `event: ping`) is not an event.
            defer {
                name = nil
                data = []
            }
            return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
        }
        guard line[0] != 0x3A else { return nil }  // a comment
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "event": name = String(value)
        case "data": data.append(String(value))
        default: break
        }
        return nil
    }
}
