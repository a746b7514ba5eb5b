import Foundation
import Testing

@testable import SwitchboardCore

@Suite("JSON parser", .timeLimit(.minutes(5)))
struct JSONParserTests {
    /// The parser agrees with JSONDecoder on every document it accepts.
    @Test(arguments: [
        #"{"text":"你好"}"#, #"{"text":"a\"b\\c\/d\n\t\r\b\f"}"#, #"{"text":"\u4f60\u597d \ud83d\ude00"}"#, #"{"text":""}"#,
        #" { "a" : [1, -2.5, 3e2, 0, -0.0, 1E-2], "b": {"c": [true, false, null]}, "d": "emoji 😀" } "#,
        #"[]"#, #"{}"#, #"[[[]]]"#, #""top""#, #"12345678901234"#, #"{"k":1,"k":2}"#,
    ])
    func agreesWithJSONDecoder(_ text: String) throws {
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, "{a:1}", "01", "1.", ".5", "-", "1e", "tru", "nul", #""\x""#, #""\u12""#,
        #""\ud83d alone""#, "\"raw\nnewline\"", #""unterminated"#, "[1] 2", "'single'", "NaN", "+1",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test func failuresSayWhere() {
        #expect(throws: JSONParser.Failure(offset: 7, reason: "expected ',' or '}'")) { try JSONParser.parse(#"{"a":1 "b":2}"#) }
    }
}

@Suite("JSON writer", .timeLimit(.minutes(5)))
struct JSONWriterTests {
    /// Byte for byte what JSONEncoder writes with sorted keys and unescaped slashes.
    @Test func matchesJSONEncoder() throws {
        let value: JSONValue = .object([
            "z": "end", "a": .array([1, .number(2.5), -3, .bool(true), .null]),
            "text": .string("引号\" 反斜杠\\ 斜杠/ 换行\n 回车\r 制表\t \u{08}\u{0C}\u{01}\u{1F} 😀 \u{7F}"),
            "nested": .object(["b": .object([:]), "a": .array([])]), "big": .number(1_718_000_000_123),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: JSONWriter.data(value), as: UTF8.self) == String(decoding: try encoder.encode(value), as: UTF8.self))
        #expect(try JSONParser.parse(JSONWriter.data(value)) == value)
    }
}
