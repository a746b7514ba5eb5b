import Foundation
@testable import SwitchboardDify
import Testing

@Suite("JSON key order", .timeLimit(.minutes(5)))
struct JSONKeyOrderTests {
    @Test("keys come in text order, at any depth, past strings that look like JSON")
    func order() {
        let json = #"{"event":"workflow_finished","data":{"id":"x","outputs":{"zeta":1,"alpha":"{\"}\",","mid":[1,{"a":2}],"b\u00e9":null}}}"#
        #expect(JSONKeyOrder.keys(in: Data(json.utf8), at: ["data", "outputs"]) == ["zeta", "alpha", "mid", "bé"])
        #expect(JSONKeyOrder.keys(in: Data(json.utf8), at: []) == ["event", "data"])
        #expect(JSONKeyOrder.keys(in: Data(#"{"data":{"outputs":{}}}"#.utf8), at: ["data", "outputs"]) == [])
    }

    @Test("a missing path or broken JSON gives nil")
    func missing() {
        #expect(JSONKeyOrder.keys(in: Data(#"{"data":{}}"#.utf8), at: ["data", "outputs"]) == nil)
        #expect(JSONKeyOrder.keys(in: Data(#"{"data":{"outputs":["#.utf8), at: ["data", "outputs"]) == nil)
        #expect(JSONKeyOrder.keys(in: Data(#"{"data":"#.utf8), at: ["data"]) == nil)
    }
}
