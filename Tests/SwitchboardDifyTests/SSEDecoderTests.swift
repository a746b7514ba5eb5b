import SwitchboardCore
import Testing

@Suite("SSE decoder", .timeLimit(.minutes(5)))
struct SSEDecoderTests {
    /// The chat stream of platforms.md §4b: two `message` events, a ping, `message_end`.
    static let stream = """
        data: {"event": "message", "task_id": "900bbd43-dc0b-4383-a372-aa6e6c414227", "id": "663c5084-a254-4040-8ad3-51f2a3c1a77c", "message_id": "663c5084-a254-4040-8ad3-51f2a3c1a77c", "conversation_id": "45701982-8118-4bc5-8e9b-64562b4555f2", "answer": "北京", "created_at": 1705398420}

        data: {"event": "message", "task_id": "900bbd43-dc0b-4383-a372-aa6e6c414227", "id": "663c5084-a254-4040-8ad3-51f2a3c1a77c", "message_id": "663c5084-a254-4040-8ad3-51f2a3c1a77c", "conversation_id": "45701982-8118-4bc5-8e9b-64562b4555f2", "answer": "今天晴。", "created_at": 1705398420}

        event: ping

        data: {"event": "message_end", "task_id": "900bbd43-dc0b-4383-a372-aa6e6c414227", "id": "663c5084-a254-4040-8ad3-51f2a3c1a77c", "message_id": "663c5084-a254-4040-8ad3-51f2a3c1a77c", "conversation_id": "45701982-8118-4bc5-8e9b-64562b4555f2", "metadata": {"usage": {"prompt_tokens": 1033, "completion_tokens": 135, "total_tokens": 1168, "total_price": "0.0013030", "currency": "USD", "latency": 1.38}}, "created_at": 1705398420}


        """

    static func decodeWhole(_ text: String) -> [SSEDecoder.Event] {
        var decoder = SSEDecoder()
        return decoder.feed(Array(text.utf8))
    }

    @Test("the Dify example stream gives three events; the ping is not one")
    func example() {
        let events = Self.decodeWhole(Self.stream)
        #expect(events.count == 3)
        #expect(events[0].data.contains("\"answer\": \"北京\""))
        #expect(events[1].data.contains("今天晴。"))
        #expect(events[2].data.contains("message_end"))
        #expect(events.allSatisfy { $0.name == nil })
    }

    @Test("split into two reads at every byte — inside UTF-8 characters too — the events are the same")
    func everySplit() {
        let bytes = Array(Self.stream.utf8)
        let whole = Self.decodeWhole(Self.stream)
        for cut in 0...bytes.count {
            var decoder = SSEDecoder()
            let events = decoder.feed(bytes[..<cut]) + decoder.feed(bytes[cut...])
            #expect(events == whole, "split at byte \(cut)")
        }
    }

    @Test("fed one byte at a time, each event comes out as soon as its blank line does")
    func byteByByte() {
        var decoder = SSEDecoder()
        let bytes = Array(Self.stream.utf8)
        var events: [SSEDecoder.Event] = []
        var firstEventAt: Int?
        for (index, byte) in bytes.enumerated() {
            events += decoder.feed([byte])
            if firstEventAt == nil, !events.isEmpty { firstEventAt = index }
        }
        #expect(events == Self.decodeWhole(Self.stream))
        let firstBlankLine = Array(Self.stream.utf8).indices.first { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }! + 1
        #expect(firstEventAt == firstBlankLine)
    }

    @Test("CRLF and lone CR end lines as LF does")
    func lineEndings() {
        let lf = Self.decodeWhole(Self.stream)
        #expect(Self.decodeWhole(Self.stream.replacingOccurrences(of: "\n", with: "\r\n")) == lf)
        #expect(Self.decodeWhole(Self.stream.replacingOccurrences(of: "\n", with: "\r")) == lf)
        // A CRLF split between two reads is one line end, not two.
        var decoder = SSEDecoder()
        let events = decoder.feed(Array("data: a\r".utf8)) + decoder.feed(Array("\ndata: b\r\n\r\n".utf8))
        #expect(events == [SSEDecoder.Event(name: nil, data: "a\nb")])
    }

    @Test("comments, id, retry and unknown fields are ignored; data lines join with newlines")
    func fields() {
        let text = ": keep-alive comment\nid: 7\nretry: 3000\nfoo: bar\nevent: custom\ndata: first\ndata:second\ndata\n\n"
        #expect(Self.decodeWhole(text) == [SSEDecoder.Event(name: "custom", data: "first\nsecond\n")])
    }

    @Test("a ping or a comment alone is no event, and an unfinished event waits for its blank line")
    func noEvents() {
        #expect(Self.decodeWhole("event: ping\n\n: comment\n\n").isEmpty)
        var decoder = SSEDecoder()
        #expect(decoder.feed(Array("data: {\"event\": \"message\"}\n".utf8)).isEmpty)
        #expect(decoder.feed(Array("\n".utf8)) == [SSEDecoder.Event(name: nil, data: "{\"event\": \"message\"}")])
    }
}
