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
        feed(bytes as? [UInt8] ?? Array(bytes))
    }

    /// The events completed by these bytes: runs between line ends are copied whole (a chunk of a
    /// stream is mostly one long `data:` line).
    public mutating func feed(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let byte = buffer[index]
                if byte == 0x0A || byte == 0x0D {
                    // `\r\n` is one line end, also when a read ends between the two.
                    if !(byte == 0x0A && previousWasCarriageReturn), let event = endLine() { events.append(event) }
                    previousWasCarriageReturn = byte == 0x0D
                    index += 1
                    continue
                }
                previousWasCarriageReturn = false
                var end = index + 1
                while end < buffer.count, buffer[end] != 0x0A, buffer[end] != 0x0D { end += 1 }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<end]))
                index = end
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
